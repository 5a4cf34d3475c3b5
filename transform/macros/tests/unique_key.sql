{#- Generic test: the combination of `columns` is unique (NULLs compare equal). Fails naming each duplicate. -#}
{% test unique_key(model, columns) %}
select {{ columns | join(', ') }}, count(*) as occurrences
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
