"""A one-sided far reach of the hair silhouette is background, not hair (issue #24)."""

import numpy as np

from toonmoji.avatar.hair import CLOSE, HIDDEN, _lopsided_capped


def test_one_sided_far_reach_is_capped_and_a_two_sided_one_kept():
    out = np.full(24, HIDDEN)
    out[6] = 2.3  # right side, far out; its mirror (ray 18) is bare
    capped = _lopsided_capped(out)
    assert capped[6] == CLOSE
    out[18] = 1.4  # hair on the other side too: loose long hair
    assert _lopsided_capped(out)[6] == 2.3
