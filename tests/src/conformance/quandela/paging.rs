//! Lists on one family (P10, A6, E10): ascending by id; `limit` and
//! `offset` page through the same list; `include_revoked` filters;
//! the query values refused (422 with `detail.query`) and ignored.

use crate::conformance::harness::client::shown;
use crate::conformance::quandela::context::{Ctx, Family};
use crate::conformance::quandela::shapes::{ids, is_array_of, is_invalid, is_listed};
use crate::conformance::report::Report;

/// Paging and filters with `caller` on `family`.
pub(super) async fn run(c: &Ctx<'_>, family: Family, caller: &str, r: &mut Report) {
    let name = family.name();
    let made = [
        c.mint(family, caller).await,
        c.mint(family, caller).await,
        c.mint(family, caller).await,
    ];
    c.form(family, "/revoke", caller, &made[1].secret).await;
    let all = ids(&c.get(family, caller, "").await);
    r.check(
        format!("{name}: list is ascending by id and holds the new tokens (E10)"),
        all.windows(2).all(|w| w[0] < w[1]) && made.iter().all(|m| all.contains(&m.id)),
        || format!("listed {all:?}"),
    );
    let limit = (all.len() / 4).max(2);
    let (mut paged, mut pages_ok, mut offset) = (Vec::new(), true, 0);
    for _ in 0..10 {
        let page = c
            .get(family, caller, &format!("?limit={limit}&offset={offset}"))
            .await;
        let page_ids = ids(&page);
        pages_ok &= is_array_of(&page, is_listed) && page_ids.len() <= limit;
        offset += page_ids.len();
        paged.extend(page_ids.iter().copied());
        if page_ids.len() < limit {
            break;
        }
    }
    r.check(
        format!(
            "{name}: pages by limit and offset are at most limit long and together the whole list (P10, A6)"
        ),
        pages_ok && paged == all,
        || format!("limit {limit}: paged {paged:?}, listed {all:?}"),
    );
    let past = c.get(family, caller, &format!("?offset={}", all.len())).await;
    r.check(
        format!("{name}: an offset past the end is 200 [] (E10)"),
        past.status == 200 && past.json.as_array().is_some_and(Vec::is_empty),
        || shown(&past),
    );
    let live = ids(&c.get(family, caller, "?include_revoked=false").await);
    let with = ids(&c.get(family, caller, "?include_revoked=true").await);
    r.check(
        format!("{name}: include_revoked=false leaves revoked tokens out, true (the default) keeps them (P10, E10)"),
        !live.contains(&made[1].id) && live.contains(&made[0].id) && with == all,
        || format!("include_revoked=false: {live:?}; true: {with:?}"),
    );
    let ignored = ids(&c.get(family, caller, "?limit=&offset=&conformance=1").await);
    r.check(
        format!("{name}: empty values are absent and unknown parameters ignored (E10)"),
        ignored == all,
        || format!("listed {ignored:?}"),
    );
    refusals(c, family, caller, r).await;
}

/// The query values a list refuses: 422 naming the parameter (E10, E15).
async fn refusals(c: &Ctx<'_>, family: Family, caller: &str, r: &mut Report) {
    let name = family.name();
    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=10001", "limit"),
        ("limit=ten", "limit"),
        ("offset=-1", "offset"),
        ("include_revoked=yes", "include_revoked"),
        ("include_expired=1", "include_expired"),
    ] {
        let reply = c.get(family, caller, &format!("?{query}")).await;
        r.check(
            format!("{name}: list with {query} is 422 with detail.query.{field} (P10, E10, E15)"),
            is_invalid(&reply, "query") && reply.json["detail"]["query"][field].is_array(),
            || shown(&reply),
        );
    }
    let widest = c.get(family, caller, "?limit=10000&offset=0").await;
    r.check(
        format!("{name}: list with limit=10000 is 200 (P10)"),
        is_array_of(&widest, is_listed),
        || shown(&widest),
    );
}
