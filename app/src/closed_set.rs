//! Closed sets of values (stages, statuses, priorities ...) as Rust enums that mirror the database's CHECK
//! constraints, with one parser and one spelling for each.

/// A value that is not one of the set's members, with what the set accepts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("\"{value}\" is not a valid {set}; expected one of: {expected}")]
pub struct UnknownVariant {
    pub set: &'static str,
    pub value: String,
    pub expected: String,
}

/// Declares an enum whose variants are stored as snake_case text.
///
/// Generates `as_str`, `ALL`, `Display`, `FromStr` (trimmed, case-insensitive), serde as the same text and,
/// on the server, sqlx encoding as TEXT.
#[macro_export]
macro_rules! closed_set {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident : $label:literal {
            $( $(#[$vmeta:meta])* $variant:ident = $text:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[cfg_attr(feature = "ssr", derive(sqlx::Type))]
        #[cfg_attr(feature = "ssr", sqlx(type_name = "TEXT"))]
        $vis enum $name {
            $( $(#[$vmeta])* #[serde(rename = $text)] #[cfg_attr(feature = "ssr", sqlx(rename = $text))] $variant ),+
        }

        impl $name {
            /// Every member, in their natural order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stored (database and URL) spelling.
            pub const fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::closed_set::UnknownVariant;

            fn from_str(raw: &str) -> Result<Self, Self::Err> {
                let wanted = raw.trim();
                $name::ALL
                    .iter()
                    .copied()
                    .find(|v| v.as_str().eq_ignore_ascii_case(wanted))
                    .ok_or_else(|| $crate::closed_set::UnknownVariant {
                        set: $label,
                        value: wanted.to_string(),
                        expected: $name::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", "),
                    })
            }
        }
    };
}
