"""`Standard.sha256` is the content hash every snapshot and receipt names, worked out once per
(frozen) object: equal to `sha256_of(standard)` for every bundled standard, and never carried over
to a copy that changes the content."""

from __future__ import annotations

from standards import bundled_library, sha256_of


def test_the_digest_is_the_canonical_hash_of_every_bundled_standard() -> None:
    for std in bundled_library().standards.values():
        assert std.sha256 == sha256_of(std)
        assert "sha256" not in std.model_dump()  # not part of the content it hashes


def test_a_changed_copy_has_its_own_digest() -> None:
    std = bundled_library().standard("gbt37393-2019")
    before = std.sha256
    changed = std.model_copy(update={"edition": "2099"})
    assert changed.sha256 == sha256_of(changed) != before
    assert std.model_copy().sha256 == before
