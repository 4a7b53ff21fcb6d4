"""Which groups of respondents may be shown: the threshold and complementary suppression.

The rule (docs/surveys.md), for a parent group whose children partition its responses
(the programme's community sections into communities; the programme's global section into
business units):

1. a child with fewer than k respondents is hidden (primary suppression);
2. complementary suppression: while the hidden children of the parent together hold more
   than 0 but fewer than k respondents, the smallest visible child is hidden too (ties
   broken by key, so the choice is deterministic);
3. the parent is hidden when it has fewer than k respondents.

After step 2 the part of a visible parent that is not visible — parent minus the visible
children, the only thing subtraction can recover — is either empty or holds at least k
respondents, so no group smaller than k can be recovered from the parent, the visible
children and any sum of them. Responses of overlapping communities are separate rows (one
per community section), so the partition holds even when a person is in several
communities. tests/test_surveys_suppression.py attacks this with hypothesis.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import TypeVar

K = TypeVar("K", bound=Hashable)


def suppressed_children(sizes: Mapping[K, int], k: int) -> set[K]:
    """The children to hide, given each child's respondents and the threshold k."""
    hidden = {key for key, n in sizes.items() if n < k}
    hidden_total = sum(sizes[key] for key in hidden)
    visible = sorted((key for key in sizes if key not in hidden), key=lambda c: (sizes[c], str(c)))
    while 0 < hidden_total < k and visible:
        key = visible.pop(0)
        hidden.add(key)
        hidden_total += sizes[key]
    return hidden


def parent_visible(sizes: Mapping[K, int], k: int) -> bool:
    return sum(sizes.values()) >= k
