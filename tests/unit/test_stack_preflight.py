"""tools/stack_preflight.py: the plugins each shipped stack needs, the sentence when one is missing, --parallel."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.program.stack_program import stack_config
from tools.stack_preflight import deploy_parallelism, missing_sentence, needed_plugins, node_count

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("stack", "plugins"),
    [
        ("dev", {"aws", "tls", "command", "kubernetes"}),
        ("prod", {"aws", "tls", "command", "kubernetes"}),
        ("lab", {"command", "kubernetes"}),
        ("airgap", {"command", "kubernetes"}),
    ],
)
def test_each_stack_needs_the_plugins_of_its_layers_and_sources(stack, plugins):
    assert set(needed_plugins(stack_config(stack))) == plugins


def test_a_machines_only_stack_needs_no_kubernetes_provider():
    config = {**stack_config("lab"), "mke4k:layers": {"run": ["hosts", "k0s"]}}
    assert set(needed_plugins(config)) == {"command"}


def test_the_missing_sentence_names_every_missing_plugin_and_its_install_command():
    sentence = missing_sentence("dev", {"aws": "7.51.1", "command": "1.2.1"}, {"command": {"1.2.1"}})
    assert sentence is not None and sentence.count(".") >= 2
    assert "needs the Pulumi aws 7.51.1 provider(s)" in sentence
    assert "`pulumi plugin install resource aws 7.51.1`" in sentence
    assert missing_sentence("dev", {"command": "1.2.1"}, {"command": {"1.2.1"}}) is None


def test_parallelism_follows_the_cluster_and_never_goes_below_pulumis_default():
    assert deploy_parallelism(2, cpus=2) == 12
    assert deploy_parallelism(53, cpus=2) == 114
    assert deploy_parallelism(1, cpus=16) == 64, "Pulumi's own default (4 x CPUs) is the floor"
    assert deploy_parallelism(None, cpus=2) == 64
    assert node_count(stack_config("lab"), REPO) == len(stack_config("lab")["mke4k:hosts"]["static"]["hosts"])
    aws = stack_config("staging")["mke4k:hosts"]["aws"]
    assert node_count(stack_config("staging"), REPO) == aws["controllers"]["count"] + aws["workers"]["count"]
