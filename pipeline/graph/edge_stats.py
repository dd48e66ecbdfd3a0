"""Edge statistics of a co-occurrence graph, vectorised over all pairs with numpy and scipy.

For a pair of concepts i and j counted over `total` windows (sentences or documents):
`joint` windows name both, `left` name i and `right` name j.

- npmi: normalised pointwise mutual information, log(p_ij / (p_i p_j)) / -log(p_ij), in
  [-1, 1]: 1 always together, 0 independent, -1 never together.
- association_strength: VOSviewer's default normalisation (Van Eck & Waltman 2009, "How
  to normalize cooccurrence data?", JASIST 60:1635; scaled as in Waltman, Van Eck &
  Noyons 2010, J Informetrics 4:629): a_ij = 2m c_ij / (k_i k_j), where c_ij is the
  pair's co-occurrence count, k_i the total co-occurrence count (total link strength) of
  i over all its pairs and 2m the sum of all k_i. It is the ratio of observed to
  expected co-occurrences: 1 is what chance gives, above 1 more than chance.
- jaccard: c_ij / (n_i + n_j - c_ij), the share of the windows naming either that name both.
- log_likelihood: Dunning's log-likelihood ratio G² of the 2x2 table of windows (both,
  only i, only j, neither) against independence, signed: positive when the pair
  co-occurs more often than independence predicts, negative when less. p_value is its
  chi-squared (1 degree of freedom) upper tail, the significance of |G²|.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

METRICS = ("count", "npmi", "association_strength", "jaccard", "log_likelihood")
DECIMALS = 6


def npmi(joint: ArrayLike, left: ArrayLike, right: ArrayLike, total: ArrayLike) -> np.ndarray:
    """Normalised PMI of events seen together in `joint` of `total` windows, in [-1, 1], rounded."""
    joint, left, right, total = (np.asarray(a, dtype=float) for a in (joint, left, right, total))
    with np.errstate(divide="ignore", invalid="ignore"):
        p_joint = joint / total
        pmi = np.log(p_joint / ((left / total) * (right / total)))
        value = pmi / -np.log(p_joint)
    value = np.where(joint == 0, -1.0, np.where(joint == total, 1.0, value))
    return np.round(value, DECIMALS)


def association_strength(joint: ArrayLike, strength_left: ArrayLike, strength_right: ArrayLike, total_strength: float) -> np.ndarray:
    """VOSviewer's association strength 2m c_ij / (k_i k_j) (total_strength = 2m = sum of all k_i), rounded;
    0 for pairs that never co-occur."""
    joint, strength_left, strength_right = (np.asarray(a, dtype=float) for a in (joint, strength_left, strength_right))
    with np.errstate(divide="ignore", invalid="ignore"):
        value = total_strength * joint / (strength_left * strength_right)
    return np.round(np.where(joint > 0, value, 0.0), DECIMALS)


def jaccard(joint: ArrayLike, left: ArrayLike, right: ArrayLike) -> np.ndarray:
    """Windows naming both over windows naming either, rounded."""
    joint, left, right = (np.asarray(a, dtype=float) for a in (joint, left, right))
    return np.round(joint / (left + right - joint), DECIMALS)


def log_likelihood(joint: ArrayLike, left: ArrayLike, right: ArrayLike, total: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Signed G² of the 2x2 table against independence, and its p-value (chi-squared, 1 df).

    G² = 2 sum O ln(O / E) over the four cells, with 0 ln 0 = 0; the sign is that of
    joint - E[joint]. G² is rounded to 6 decimals.
    """
    from scipy.stats import chi2  # here, not at the top: scipy.stats takes 0.4 s to import, which every command would pay

    joint, left, right, total = (np.asarray(a, dtype=float) for a in (joint, left, right, total))
    observed = np.stack([joint, left - joint, right - joint, total - left - right + joint])
    expected = np.stack([left * right, left * (total - right), (total - left) * right, (total - left) * (total - right)]) / total
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(observed > 0, observed * np.log(observed / expected), 0.0)
    g2 = np.maximum(2 * terms.sum(axis=0), 0.0)
    signed = np.where(joint >= expected[0], g2, -g2)
    return np.round(signed, DECIMALS) + 0.0, chi2.sf(g2, 1)


def edge_statistics(
    joint: np.ndarray, left: np.ndarray, right: np.ndarray, total: int,
    strength_left: np.ndarray, strength_right: np.ndarray, total_strength: int,
) -> dict[str, np.ndarray]:
    """All the statistics of the module for arrays of pairs (see the module doc), by attribute name.

    `strength_left` and `strength_right` are the total co-occurrence counts k_i and k_j of
    each pair's concepts over all pairs, `total_strength` (2m) the sum of k_i over all
    concepts: the arrays may hold some of the pairs only.
    """
    g2, p_value = log_likelihood(joint, left, right, total)
    return {
        "npmi": npmi(joint, left, right, total),
        "association_strength": association_strength(joint, strength_left, strength_right, float(total_strength)),
        "jaccard": jaccard(joint, left, right),
        "log_likelihood": g2,
        "p_value": p_value,
    }
