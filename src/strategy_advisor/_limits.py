"""Input limits: what the library refuses to read or echo, each with its reason.

Safety limits, not tuning choices: no valid input comes near them, and each bounds what one
hostile input can cost (time, memory, the length of an error message). ``docs/service.md``
lists them; raising one is a code change with its reason, not a setting.
"""

from __future__ import annotations

__all__ = [
    "ECHO_CHARS",
    "ENCODING_FILE_MAX_BYTES",
    "EXCERPT_CHARS",
    "ID_MAX_CHARS",
    "JSON_MAX_DEPTH",
    "JSON_MAX_NUMBER_CHARS",
    "MODEL_NAME_MAX_CHARS",
    "PAGE_NAME_MAX_CHARS",
    "PATH_MAX_CHARS",
    "PROFILE_MAX_BYTES",
    "RULE_WEIGHT_MAX",
]

#: Longest piece of the caller's input an error message quotes (a value, a name), in
#: characters; longer ones are cut and their length stated. A 10 MB model name must not
#: come back whole on stderr or in a service's error response.
ECHO_CHARS = 200

#: Longest excerpt of a *file's* content an error message quotes (a bad line, a CSV
#: header): shorter than ``ECHO_CHARS``, because a file named by mistake (or by an attacker)
#: may hold secrets, and the line number already says where to look.
EXCERPT_CHARS = 60

#: Deepest nesting of arrays and objects in a profile, JSON Lines or rules file. A profile
#: is at most five levels deep (a model spec's fine-tuning offer's ranges) and a rule's
#: condition rarely ten; 64 leaves room for any hand-written rule while keeping the
#: parser, the validator and the rule compiler (all recursive) far from Python's recursion
#: limit, which 100,000 nested brackets would otherwise hit ("internal error", exit 1).
JSON_MAX_DEPTH = 64

#: Longest number literal in a JSON input, in characters. Counts stop at 10^12 and other
#: numbers at 1e15 (``_types``), so a valid number needs at most about 25 characters
#: (``0.000123456789012345678e-5``); 100 is generous. Without it a 5,000-digit integer hits
#: Python's integer-conversion limit (4,300 digits), a ``ValueError`` from deep inside
#: ``json``, and a million-digit one costs seconds to convert.
JSON_MAX_NUMBER_CHARS = 100

#: Largest single-profile JSON file (or JSON Lines line) read, in bytes. A profile with two
#: inline model specs is a few kilobytes; 1 MiB is a thousand times that, and bounds the
#: memory one line (read whole, then parsed) can take. JSON Lines files are read a line at a
#: time, so their total size is not limited.
PROFILE_MAX_BYTES = 1 << 20

#: Largest ``.tiktoken`` file read, in bytes. The published files are 1.7 MB
#: (``cl100k_base``) and 3.6 MB (``o200k_base``, 200k tokens); 32 MiB admits a vocabulary
#: several times larger while refusing ``/dev/zero``-like inputs that would be read whole.
ENCODING_FILE_MAX_BYTES = 32 << 20

#: Longest model name accepted in a profile (``icl_model``/``ft_model`` given by name), as
#: for ``ModelSpec.name``: the longest catalog or litellm name is under 100 characters.
MODEL_NAME_MAX_CHARS = 200

#: Longest profile ``id``: an id names a row and a file, not a document.
ID_MAX_CHARS = 200

#: Longest path a profile may name (``examples_file``, a ``.tiktoken`` file): Linux's
#: PATH_MAX; a longer one cannot be opened, and would only be echoed back.
PATH_MAX_CHARS = 4096

#: Longest id-derived part of an HTML page's file name (``OUT-<id>.html``), in characters,
#: after unsafe characters are replaced: file systems allow 255 bytes a name.
PAGE_NAME_MAX_CHARS = 80

#: Largest weight (log-odds) a ``favor`` rule may add. Odds of e^10, about 22,000 to 1,
#: outweigh any quality or cost term the advisor computes (a few units of log-odds), so
#: a rule author can still make a rule decide; the bound keeps every weight, and the sum
#: over thousands of rules, finite (four weights of 1e308 once summed to an infinite score
#: and a JSON ``null``), and makes a typo such as ``1e6`` an error instead of a rule that
#: silently decides every profile.
RULE_WEIGHT_MAX = 10.0
