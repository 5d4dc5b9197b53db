"""Layer swapping: which model each synthesis layer comes from, at each swap resolution."""

from __future__ import annotations

import itertools

import pytest
import torch

from toonmoji.toonify.blend import (
    blend_state_dicts,
    layer_resolution,
    structure_weight,
    synthesis_resolutions,
)


def fake_generator_state(value: float) -> dict[str, torch.Tensor]:
    state = {"mapping.fc0.weight": torch.full((4, 4), value), "mapping.w_avg": torch.full((4,), value)}
    for res in (4, 8, 16, 32):
        state[f"synthesis.b{res}.conv1.weight"] = torch.full((2, 2, 3, 3), value)
        state[f"synthesis.b{res}.torgb.bias"] = torch.full((3,), value)
    state["synthesis.b8.conv0.noise_const"] = torch.full((8, 8), value)
    return state


def test_layer_resolution_parses_synthesis_names():
    assert layer_resolution("synthesis.b64.conv0.affine.weight") == 64
    assert layer_resolution("G_ema.synthesis.b4.const") == 4
    assert layer_resolution("mapping.fc0.weight") is None


@pytest.mark.parametrize("structure", ["toon", "base"])
def test_hard_swap_takes_low_layers_from_structure_model(structure):
    base, toon = fake_generator_state(0.0), fake_generator_state(1.0)
    blended = blend_state_dicts(base, toon, swap=8, structure=structure)
    low_value = 1.0 if structure == "toon" else 0.0
    for res in (4, 8):
        assert torch.all(blended[f"synthesis.b{res}.conv1.weight"] == low_value)
    for res in (16, 32):
        assert torch.all(blended[f"synthesis.b{res}.conv1.weight"] == 1.0 - low_value)
    # the latent space stays the base model's
    assert torch.all(blended["mapping.fc0.weight"] == 0.0)
    assert torch.all(blended["mapping.w_avg"] == 0.0)


def test_smooth_transition_is_monotonic_and_straddles_the_swap():
    weights = [structure_weight(r, 16, transition=1.0) for r in (4, 8, 16, 32, 64, 128)]
    assert all(a >= b for a, b in itertools.pairwise(weights))
    assert weights[0] > 0.95 and weights[-1] < 0.05
    assert weights[2] > 0.5 > weights[3]


def test_swap_at_top_resolution_is_the_structure_model():
    base, toon = fake_generator_state(0.0), fake_generator_state(1.0)
    res = synthesis_resolutions(base)
    assert res == [4, 8, 16, 32]
    blended = blend_state_dicts(base, toon, swap=res[-1], structure="toon")
    assert all(torch.all(v == 1.0) for k, v in blended.items() if k.startswith("synthesis."))
