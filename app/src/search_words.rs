//! Word search that an index serves under row-level security (migration 0025). Every searchable record's
//! words are kept in `search_words`; a query matches a record when each of its words begins one of the
//! record's words ("dan harb" finds Dana Harbor, "w912dy-24" finds W912DY-24-R-0001). Each query word is
//! one range scan of the `(tenant_id, kind, word)` index: text comparison is leakproof, so PostgreSQL may use
//! it beneath the tenant policy, where LIKE and pg_trgm's operators are not and read the whole tenant.
//!
//! These are SQL fragments for a domain's statement: `query_words_cte` names the query's words `q`,
//! `word_hits` finds the records of one kind matching each word, and `EVERY_WORD` keeps those that matched
//! them all.

/// Words of a query beyond these are not searched (a name, an organization and a title are enough).
pub const MAX_WORDS: usize = 8;

/// Whether `q` has anything to search for (a letter or a digit); a query of punctuation alone filters nothing.
pub fn has_words(q: &str) -> bool {
    q.chars().any(char::is_alphanumeric)
}

/// The CTE `q (n, lo, hi)`: word n of the query bound at `param`, as the range [lo, hi) of stored words it
/// begins. Split and lowered by the database, as the stored words are.
pub fn query_words_cte(param: &str) -> String {
    format!("q (n, lo, hi) AS (SELECT n, lo, hi FROM search_query_ranges({param}) WHERE n <= {MAX_WORDS})")
}

/// `(n, id)` rows: each record of `kind` (a CHECKed value of search_words.kind) with a word that query word
/// n begins. Needs the `q` CTE.
pub fn word_hits(kind: &str) -> String {
    debug_assert!(["pursuit", "opportunity", "organization", "contact"].contains(&kind));
    format!(
        "SELECT q.n, s.record_id AS id FROM q \
           JOIN search_words s ON s.kind = '{kind}' AND s.word >= q.lo AND s.word < q.hi"
    )
}

/// After `GROUP BY id` over hit rows: the records every word of the query matched.
pub const EVERY_WORD: &str = "HAVING count(DISTINCT n) = (SELECT count(*) FROM q)";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn punctuation_alone_is_no_search() {
        assert!(!has_words(" -- %% "));
        assert!(has_words("é"));
        assert!(has_words("24"));
    }

    #[test]
    fn fragments_name_their_parameter_and_kind() {
        assert!(query_words_cte("$2").contains("search_query_ranges($2) WHERE n <= 8"));
        assert!(word_hits("contact").contains("s.kind = 'contact'"));
    }
}
