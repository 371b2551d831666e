{#- Personal data (email addresses) never reaches the marts as such. Without a
    secret key in the environment variable RETENTION_EMAIL_HASH_KEY the hash is
    null: an unkeyed hash of an address is re-identified by anyone holding a
    list of addresses. With a key it is HMAC-SHA256 (RFC 2104) of the trimmed,
    lower-cased address (UTF-8), as lower-case hex: the key's inner and outer
    pads are worked out here at compile time, so each engine needs only SHA-256
    over bytes, hex decoding and byte concatenation. -#}

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
    {%- set message = "nullif(lower(trim(" ~ expression ~ ")), '')" -%}
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
