"""Atomic writes: what a killed writer leaves is removed with the file it was writing."""

from conftest import kill_during_atomic_write
from mediagen.atomic import remove_with_leftovers


def test_a_killed_writers_leftover_goes_with_its_destination(tmp_path):
    state = tmp_path / "genome_vae.state.pt"
    state.write_bytes(b"a complete state")
    kill_during_atomic_write(state)
    leftovers = [p.name for p in tmp_path.iterdir() if p != state]
    assert len(leftovers) == 1 and leftovers[0].startswith(".genome_vae.state.pt.")
    assert leftovers[0].endswith(".tmp.state.pt")
    kept = [tmp_path / "cvae_all.state.pt", tmp_path / ".genome_vae.state.pt.notes"]
    for path in kept:
        path.write_bytes(b"another file")

    remove_with_leftovers(state)
    assert sorted(tmp_path.iterdir()) == sorted(kept)
    remove_with_leftovers(state)  # nothing left to remove is fine
