/* tokenizer.h — Hugging Face tokenizer.json (BPE) for the ember CLI: text to token ids and back,
 * giving the ids and text the `tokenizers` Python package (0.23) gives for the same file.
 *
 *   char err[256];
 *   ember_tokenizer* tok = ember_tokenizer_load_file("tokenizer.json", err, sizeof err);
 *   if (!tok) { fprintf(stderr, "%s\n", err); return 1; }
 *   int32_t* ids; size_t n;
 *   if (ember_tokenizer_encode(tok, "Hello world", 11, 1, &ids, &n, err, sizeof err)) ...
 *   size_t len;
 *   char* text = ember_tokenizer_decode(tok, ids, n, 1, &len);  // "Hello world"
 *   free(text); free(ids);
 *
 *   // printing tokens as a model generates them
 *   ember_decode_stream* ds = ember_decode_stream_new(tok, 1);
 *   for (each generated id) {
 *       const char* piece; size_t piece_len;
 *       if (ember_decode_stream_step(ds, id, &piece, &piece_len)) { error: ember_decode_stream_error(ds) }
 *       fwrite(piece, 1, piece_len, stdout);   // 0 bytes while a character is incomplete
 *   }
 *   ember_decode_stream_free(ds);
 *   ember_tokenizer_free(tok);
 *
 * What a file may hold (anything else is refused at load, naming the component):
 *   model          BPE: vocab, merges ("a b" strings or [a, b] pairs), unk_token, fuse_unk,
 *                  byte_fallback (<0xNN> tokens), ignore_merges, continuing_subword_prefix,
 *                  end_of_word_suffix; dropout null or 0
 *   added_tokens   matched in the text before normalization (normalized: false) or after it
 *                  (normalized: true), longest first, with single_word, lstrip and rstrip
 *   normalizer     null, NFC, Prepend, Replace (a string pattern), Sequence of these
 *   pre_tokenizer  null, ByteLevel (GPT-2's regex), Metaspace, Split (a Regex in the subset of
 *                  Oniguruma's syntax that tokenizer.c's matcher reads, enough for Llama 3,
 *                  Qwen2, GPT-2 and o200k; or a String; every behavior; invert), Digits,
 *                  Sequence of these
 *   post_processor null, ByteLevel, TemplateProcessing (single sequence), Sequence of these
 *   decoder        null, ByteLevel, Metaspace, Replace, ByteFallback, Fuse, Strip, Sequence
 *   truncation and padding must be null.
 *
 * Ownership: the tokenizer copies what it needs from the JSON (the caller's bytes may be freed
 * after load) and is read-only afterwards, so one tokenizer may serve several threads; each
 * stream belongs to one thread. Arrays and strings returned through `**` or as `char*` are
 * malloc'ed and the caller frees them; `const char*` results belong to the tokenizer or stream.
 * The file is untrusted: malformed JSON or a wrong type is an error message, never a crash. */
#ifndef EMBER_TOOLS_TOKENIZER_H
#define EMBER_TOOLS_TOKENIZER_H

#include <stddef.h>
#include <stdint.h>

typedef struct ember_tokenizer ember_tokenizer;
typedef struct ember_decode_stream ember_decode_stream;

/* Parses `len` bytes of tokenizer.json. Returns the tokenizer, or NULL with a message in `err`
 * (what is wrong, and where: a JSON position or the component's path, e.g. "model.merges[3]"). */
ember_tokenizer* ember_tokenizer_load(const char* json, size_t len, char* err, size_t err_len);
/* Reads and parses the file at `path`; the message names the file. */
ember_tokenizer* ember_tokenizer_load_file(const char* path, char* err, size_t err_len);
void ember_tokenizer_free(ember_tokenizer* tok);

/* Encodes `len` bytes of UTF-8 text into *ids (malloc'ed, *n of them; NULL when *n is 0).
 * `add_special` adds the post-processor's special tokens (a BOS), as tokenizers' encode does by
 * default; added tokens written in the text are matched either way. Returns 0, or -1 with a
 * message in `err` (text that is not UTF-8, an unk_token missing from the vocabulary, a Split
 * pattern that backtracks past its step budget on this text, memory). */
int ember_tokenizer_encode(const ember_tokenizer* tok, const char* text, size_t len, int add_special,
                           int32_t** ids, size_t* n, char* err, size_t err_len);

/* The text of `n` ids, through the file's decoder: malloc'ed, NUL-terminated, *len bytes (it may
 * hold NUL bytes from byte tokens). `skip_special` leaves out special added tokens, as
 * tokenizers' decode(skip_special_tokens=True). Ids with no token are left out, as tokenizers
 * does. NULL when out of memory. */
char* ember_tokenizer_decode(const ember_tokenizer* tok, const int32_t* ids, size_t n, int skip_special,
                             size_t* len);

/* The id of the token spelled `token` (added tokens first, then the vocabulary), or -1. */
int32_t ember_tokenizer_token_id(const ember_tokenizer* tok, const char* token);
/* The token of `id` as the file spells it (NUL-terminated, *len bytes), or NULL when no token
 * has that id. */
const char* ember_tokenizer_token(const ember_tokenizer* tok, int32_t id, size_t* len);
/* One more than the largest id of a token (the vocabulary and the added tokens). */
int32_t ember_tokenizer_vocab_size(const ember_tokenizer* tok);
/* Whether `id` is a special added token (decode with skip_special leaves it out). */
int ember_tokenizer_is_special(const ember_tokenizer* tok, int32_t id);
/* The BOS the post-processor's template puts first, else a special added token spelled <s>,
 * <|begin_of_text|> or <bos>; -1 when none. */
int32_t ember_tokenizer_bos_id(const ember_tokenizer* tok);
/* The special token the template puts last, else a special added token spelled </s>,
 * <|endoftext|>, <|end_of_text|>, <eos>, <|im_end|> or <|eot_id|> (the first found in that
 * order); -1 when none. A model's config (eos_token_id) is the better source where there is one. */
int32_t ember_tokenizer_eos_id(const ember_tokenizer* tok);

/* Incremental decoding, as tokenizers' DecodeStream: each step returns the text the new id adds
 * to the decoding of everything so far, holding back text until it no longer ends in an
 * incomplete character (U+FFFD), so printing the pieces in order prints valid UTF-8 that equals
 * the whole decode. NULL when out of memory. */
ember_decode_stream* ember_decode_stream_new(const ember_tokenizer* tok, int skip_special);
/* Adds `id`; *text (owned by the stream, valid until its next step) is the new text, *len bytes,
 * possibly 0. Returns 0, or -1 (out of memory, or a decoding that does not extend the previous
 * one: ember_decode_stream_error says which). */
int ember_decode_stream_step(ember_decode_stream* s, int32_t id, const char** text, size_t* len);
const char* ember_decode_stream_error(const ember_decode_stream* s);
void ember_decode_stream_free(ember_decode_stream* s);

#endif
