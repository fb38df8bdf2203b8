from __future__ import annotations

import pytest
import yaml

from pipeline.config import DEFAULT_CONFIG, apply_overrides, load_config
from pipeline.errors import BlamegraphError


def _write(tmp_path, data, actors=None):
    actors = actors if actors is not None else {"actors": [], "outlets": []}
    (tmp_path / "actors.yaml").write_text(yaml.safe_dump(actors))
    path = tmp_path / "cfg.yaml"
    path.write_text(yaml.safe_dump(data) if not isinstance(data, str) else data)
    return path


def _minimal():
    return {"dispute": "x", "sides": [{"code": "US", "name": "United States"},
                                      {"code": "CN", "name": "China"}]}


def test_default_config_loads_with_registry():
    lc = load_config()
    assert lc.cfg.side_codes == ["US", "CN"]
    ids = {a.id for a in lc.registry.actors}
    assert {"us_government", "cn_government", "huawei", "nvidia"} <= ids
    assert len(lc.hash) == 64


def test_second_dispute_is_configuration(repo):
    lc = load_config(repo / "configs" / "eu_china_ev.yaml")
    assert lc.cfg.side_codes == ["EU", "CN"]
    assert lc.cfg.divergence.groups == ["EU", "CN"]
    assert any(a.side == "EU" for a in lc.registry.actors)


def test_hash_changes_with_config():
    assert load_config().hash != load_config(overrides=["blame.threshold=0.7"]).hash


@pytest.mark.parametrize("override,path,expected", [
    ("blame.threshold=0.6", ("blame", "threshold"), 0.6),
    ("seed=7", ("seed",), 7),
    ("statements.n_process=2", ("statements", "n_process"), 2),
    ("ingest.drop_duplicate_content=false", ("ingest", "drop_duplicate_content"), False),
    ("aggregate.groups=[outlet, speaker_side]", ("aggregate", "groups"), ["outlet", "speaker_side"]),
])
def test_overrides(override, path, expected):
    cfg = load_config(overrides=[override]).cfg
    value = cfg
    for key in path:
        value = getattr(value, key)
    assert value == expected


@pytest.mark.parametrize("override,code", [
    ("blame.threshold", "E023"),
    ("=3", "E023"),
    ("blame.treshold=0.6", "E024"),
    ("nonsense=1", "E024"),
    ("seed.x=1", "E024"),
])
def test_bad_overrides(override, code):
    with pytest.raises(BlamegraphError, match=code):
        load_config(overrides=[override])


def test_override_value_validated():
    with pytest.raises(BlamegraphError, match=r"E022[\s\S]*blame.threshold"):
        load_config(overrides=["blame.threshold=1.5"])


def test_model_paths_are_relative_to_the_config_file(repo):
    lc = load_config()
    assert lc.model_path("blame") == (repo / "models" / "relation").resolve()
    assert load_config(overrides=["stance.model="]).model_path("stance") is None
    assert "models/relation" in lc.resolved()["config"]["blame"]["model"]
    assert str(repo) not in lc.resolved()["config"]["blame"]["model"]


def test_missing_config_file(tmp_path):
    with pytest.raises(BlamegraphError, match="E020"):
        load_config(tmp_path / "nope.yaml")


def test_invalid_yaml(tmp_path):
    path = _write(tmp_path, "dispute: [unclosed\n")
    with pytest.raises(BlamegraphError, match="E021"):
        load_config(path)


def test_unknown_field_is_an_error(tmp_path):
    data = _minimal() | {"colour": "blue"}
    with pytest.raises(BlamegraphError, match=r"E022[\s\S]*colour"):
        load_config(_write(tmp_path, data))


def test_bad_side_code(tmp_path):
    data = _minimal()
    data["sides"][0]["code"] = "us"
    with pytest.raises(BlamegraphError, match="E029"):
        load_config(_write(tmp_path, data))


def test_actor_with_unknown_side(tmp_path):
    actors = {"actors": [{"id": "a", "name": "A", "side": "XX", "type": "person"}]}
    with pytest.raises(BlamegraphError, match=r"E026.*'XX'"):
        load_config(_write(tmp_path, _minimal(), actors))


def test_duplicate_actor_id(tmp_path):
    actor = {"id": "a", "name": "A", "side": "US", "type": "person"}
    with pytest.raises(BlamegraphError, match="E027"):
        load_config(_write(tmp_path, _minimal(), {"actors": [actor, actor]}))


def test_outlet_with_unknown_side(tmp_path):
    actors = {"outlets": [{"name": "Paper", "side": "ZZ"}]}
    with pytest.raises(BlamegraphError, match="E028"):
        load_config(_write(tmp_path, _minimal(), actors))


def test_missing_actor_file(tmp_path):
    path = tmp_path / "cfg.yaml"
    path.write_text(yaml.safe_dump(_minimal() | {"actors_file": "missing.yaml"}))
    with pytest.raises(BlamegraphError, match="E025"):
        load_config(path)


@pytest.mark.parametrize("country,side", [
    ("US", "US"), ("cn", "CN"), ("China", "CN"), ("OTHER", "OTHER"), ("Mars", "UNKNOWN"),
    (None, "UNKNOWN"), ("", "UNKNOWN"), ("Beijing", "CN"),
])
def test_side_of_country(loaded, country, side):
    assert loaded.side_of_country(country) == side


def test_apply_overrides_does_not_touch_other_keys():
    data = yaml.safe_load(DEFAULT_CONFIG.read_text())
    out = apply_overrides(data, ["blame.threshold=0.9"])
    assert out["blame"]["threshold"] == 0.9
    assert out["stance"] == {"model": "../models/relation", "batch_size": 32}
