{#- One side-by-side comparison of our figures (relation or CTE `ours`) with QBO's (`qbo`), both with the
    columns in `keys` and `amount`: one row per key on either side with ours, qbo, difference (ours - qbo) and
    status. `carried` columns are taken from QBO's side, else ours; `constants` maps column -> SQL. -#}
{% macro tieout_compare(ours, qbo, keys, carried=[], constants={}) -%}
select
    {%- for name, expr in constants.items() %}
    {{ expr }} as {{ name }},
    {%- endfor %}
    {%- for column in keys + carried %}
    coalesce(q.{{ column }}, o.{{ column }}) as {{ column }},
    {%- endfor %}
    o.amount as ours,
    q.amount as qbo,
    {{ qbo_finance.money('coalesce(o.amount, 0) - coalesce(q.amount, 0)') }} as difference,
    {{ qbo_finance.tieout_status('o.amount', 'q.amount') }} as status
from {{ ours }} as o
full outer join {{ qbo }} as q
    on {% for key in keys %}{{ "and " if not loop.first }}q.{{ key }} = o.{{ key }} {% endfor %}
{%- endmacro %}

{#- ties within the tieout_tolerance var (0: to the cent and beyond), else which side lacks the figure. -#}
{% macro tieout_status(ours, qbo) -%}
case
    when abs(coalesce({{ ours }}, 0) - coalesce({{ qbo }}, 0)) <= {{ var('tieout_tolerance', 0) }} then 'ties'
    when {{ qbo }} is null then 'missing in QBO'
    when {{ ours }} is null then 'missing in ours'
    else 'differs'
end
{%- endmacro %}
