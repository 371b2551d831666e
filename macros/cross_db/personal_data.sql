{#- Personal data (email addresses) never reaches the marts as such. Without a
    secret key in the environment variable RETENTION_EMAIL_HASH_KEY the hash is
    null: an unkeyed hash of an address is re-identified by anyone holding a
    list of addresses. With a key it is HMAC-SHA256 (RFC 2104) of the
    normalised address (normalise_personal_data, UTF-8), as lower-case hex: the
    key's inner and outer pads are worked out here at compile time, so each
    engine needs only SHA-256 over bytes, hex decoding and byte concatenation.

    The normalisation is the documented recipe of docs/metrics.md (section 8),
    in Python `email.strip().encode().lower()`: the 29 characters str.strip()
    removes (str.isspace()) are removed from both ends, then A to Z, and no other
    character, are lower-cased; an empty result is null. Full Unicode
    lower-casing (Python's str.lower()) is not used on purpose: no two engines
    compute it alike ('İ' gives 'i̇' in Python, 'i' in DuckDB; a final 'Σ' gives
    'ς' in Python, 'σ' elsewhere; PostgreSQL's lower() follows the database's
    collation, with the C locale A to Z only; Spark's the JVM's default locale),
    so a hash of it would not be the one other systems compute. Removing a
    listed set of characters (trim(both ... from ...)) and translate() from A-Z
    to a-z depend on no locale and no Unicode table: the same on every engine,
    and written once here. Only the one constant, the set of characters as
    text, is built per engine (from its UTF-8 bytes in hex), so the compiled
    SQL holds no invisible characters and no backslashes. -#}

{% macro normalise_personal_data(expression) -%}
    {#- The address as hashed: whitespace (as Python's str.strip()) removed from
        both ends, A to Z lower-cased and every other character as typed; null
        when nothing is left. The whitespace is the 29 characters str.strip()
        removes: U+0009 to U+000D, U+001C to U+001F, U+0020, U+0085, U+00A0,
        U+1680, U+2000 to U+200A, U+2028, U+2029, U+202F, U+205F, U+3000
        (tests/test_privacy.py checks the list against Python's). Jinja reads
        the escapes below; the SQL gets the text's UTF-8 bytes in hex. -#}
    {%- set whitespace = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680"
        ~ "\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
        ~ "\u2028\u2029\u202f\u205f\u3000" -%}
    nullif(translate(
        trim(both {{ retention.text_from_utf8_hex(whitespace.encode('utf-8').hex()) }} from {{ expression }}),
        'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz'
    ), '')
{%- endmacro %}


{% macro text_from_utf8_hex(utf8_hex) %}
    {#- A text constant from its UTF-8 bytes written in hex, so that SQL can
        name invisible characters without backslashes or a locale. -#}
    {{ return(adapter.dispatch('text_from_utf8_hex', 'retention')(utf8_hex)) }}
{% endmacro %}

{% macro duckdb__text_from_utf8_hex(utf8_hex) -%}
    decode(unhex('{{ utf8_hex }}'))
{%- endmacro %}

{% macro postgres__text_from_utf8_hex(utf8_hex) -%}
    convert_from(decode('{{ utf8_hex }}', 'hex'), 'UTF8')
{%- endmacro %}

{% macro spark__text_from_utf8_hex(utf8_hex) -%}
    decode(unhex('{{ utf8_hex }}'), 'UTF-8')
{%- endmacro %}

{% macro default__text_from_utf8_hex(utf8_hex) -%}
    {#- Only hash_personal_data uses it, and only with a key set. -#}
    {{ exceptions.raise_compiler_error(
        'RETENTION_EMAIL_HASH_KEY is set but hash_personal_data has no implementation for '
        ~ target.type ~ ': add ' ~ target.type ~ '__text_from_utf8_hex and ' ~ target.type
        ~ '__hash_personal_data macros (see macros/cross_db/personal_data.sql), or unset RETENTION_EMAIL_HASH_KEY.'
    ) }}
{%- endmacro %}


{% macro hash_personal_data(expression) %}
    {%- set key = env_var('RETENTION_EMAIL_HASH_KEY', '') -%}
    {%- if key == '' -%}
        {{ return('cast(null as ' ~ dbt.type_string() ~ ')') }}
    {%- endif -%}
    {%- set key_bytes = key.encode('utf-8') -%}
    {%- if key_bytes | length < 16 or key_bytes | length > 64 -%}
        {{ exceptions.raise_compiler_error(
            'RETENTION_EMAIL_HASH_KEY must be 16 to 64 bytes long (it is ' ~ (key_bytes | length)
            ~ '); generate one with `openssl rand -hex 32`, or unset it to publish no email_hash.'
        ) }}
    {%- endif -%}
    {#- HMAC's block is 64 bytes: the key padded with zero bytes, xor 0x36
        (inner) and xor 0x5c (outer). Jinja has no xor, so bit by bit. -#}
    {%- set pads = namespace(inner='', outer='') -%}
    {%- for position in range(64) -%}
        {%- set byte = key_bytes[position] if position < key_bytes | length else 0 -%}
        {%- set xor = namespace(inner=0, outer=0) -%}
        {%- for bit in range(8) -%}
            {%- set weight = 2 ** bit -%}
            {%- set key_bit = (byte // weight) % 2 -%}
            {%- if key_bit != (54 // weight) % 2 -%}{%- set xor.inner = xor.inner + weight -%}{%- endif -%}
            {%- if key_bit != (92 // weight) % 2 -%}{%- set xor.outer = xor.outer + weight -%}{%- endif -%}
        {%- endfor -%}
        {%- set pads.inner = pads.inner ~ ('%02x' | format(xor.inner)) -%}
        {%- set pads.outer = pads.outer ~ ('%02x' | format(xor.outer)) -%}
    {%- endfor -%}
    {%- set message = retention.normalise_personal_data(expression) -%}
    {{ return(adapter.dispatch('hash_personal_data', 'retention')(message, pads.inner, pads.outer)) }}
{% endmacro %}

{#- hex(sha256(outer pad || sha256(inner pad || utf8(message)))). -#}

{% macro duckdb__hash_personal_data(message, inner_pad_hex, outer_pad_hex) -%}
    sha256(unhex('{{ outer_pad_hex }}') || unhex(sha256(unhex('{{ inner_pad_hex }}') || encode({{ message }}))))
{%- endmacro %}

{% macro postgres__hash_personal_data(message, inner_pad_hex, outer_pad_hex) -%}
    encode(sha256(
        decode('{{ outer_pad_hex }}', 'hex')
        || sha256(decode('{{ inner_pad_hex }}', 'hex') || convert_to({{ message }}, 'UTF8'))
    ), 'hex')
{%- endmacro %}

{% macro spark__hash_personal_data(message, inner_pad_hex, outer_pad_hex) -%}
    sha2(concat(
        unhex('{{ outer_pad_hex }}'),
        unhex(sha2(concat(unhex('{{ inner_pad_hex }}'), encode({{ message }}, 'UTF-8')), 256))
    ), 256)
{%- endmacro %}

{% macro default__hash_personal_data(message, inner_pad_hex, outer_pad_hex) -%}
    {#- No portable SQL for SHA-256 over bytes: an engine needs its own
        implementation before a key may be set (without a key nothing is
        dispatched and every engine publishes null). -#}
    {{ exceptions.raise_compiler_error(
        'RETENTION_EMAIL_HASH_KEY is set but hash_personal_data has no implementation for '
        ~ target.type ~ ': add a ' ~ target.type ~ '__hash_personal_data macro (HMAC-SHA256, see '
        ~ 'macros/cross_db/personal_data.sql), or unset RETENTION_EMAIL_HASH_KEY.'
    ) }}
{%- endmacro %}
