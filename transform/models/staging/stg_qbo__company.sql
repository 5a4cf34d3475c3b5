-- One row per realm: the company's name, home currency and the first month of its fiscal year (1-12),
-- from CompanyInfo.FiscalYearStartMonth, else Preferences.AccountingInfoPrefs.FirstMonthOfFiscalYear, else January.
with info as (
    select realm_id, CompanyName as company_name, FiscalYearStartMonth as fiscal_month_name
    from {{ ref('base_qbo__company_info') }}
),
prefs as (
    select
        realm_id,
        AccountingInfoPrefs.FirstMonthOfFiscalYear as fiscal_month_name,
        CurrencyPrefs.HomeCurrency.value as home_currency
    from {{ ref('base_qbo__preferences') }}
),
named as (
    select
        info.realm_id,
        info.company_name,
        coalesce(prefs.home_currency, 'USD') as home_currency,
        lower(coalesce(info.fiscal_month_name, prefs.fiscal_month_name, 'January')) as fiscal_month_name
    from info
    left join prefs on prefs.realm_id = info.realm_id
)
select
    realm_id,
    company_name,
    home_currency,
    case fiscal_month_name
        {%- for name in ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august',
                         'september', 'october', 'november', 'december'] %}
        when '{{ name }}' then {{ loop.index }}
        {%- endfor %}
    end as fiscal_year_start_month
from named
