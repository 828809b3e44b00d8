//! Open enums: vendor enums that keep unknown values instead of failing to parse.
//!
//! Both vendors add enum values between SDK releases (Anchor's generation status gained
//! `waiting-for-session`, Browser Use's task status gained `failed`). A response carrying a new
//! value must still be read, so every vendor enum has an `Other(String)` variant that keeps it.

/// Declare an enum of known string values plus `Other(String)` for anything else.
///
/// ```
/// browser_tasks_mcp::open_enum! {
///     /// A colour.
///     pub enum Colour { Red = "red", Green = "green" }
/// }
/// let c: Colour = serde_json::from_str("\"blue\"").unwrap();
/// assert_eq!(c, Colour::Other("blue".into()));
/// assert_eq!(c.as_str(), "blue");
/// ```
#[macro_export]
macro_rules! open_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident { $( $(#[$vmeta:meta])* $variant:ident = $text:literal ),+ $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        $vis enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A value this version does not know yet, kept verbatim.
            Other(String),
        }

        impl $name {
            /// Every known value, in declaration order.
            pub const KNOWN: &'static [&'static str] = &[$($text),+];

            /// The wire value.
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $text, )+
                    Self::Other(other) => other.as_str(),
                }
            }

            /// Whether this is one of the known values.
            pub fn is_known(&self) -> bool {
                !matches!(self, Self::Other(_))
            }
        }

        impl From<&str> for $name {
            fn from(text: &str) -> Self {
                match text {
                    $( $text => Self::$variant, )+
                    other => Self::Other(other.to_string()),
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = <::std::borrow::Cow<'de, str> as ::serde::Deserialize>::deserialize(deserializer)?;
                Ok(Self::from(text.as_ref()))
            }
        }

        impl ::schemars::JsonSchema for $name {
            fn schema_name() -> ::std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }
            fn inline_schema() -> bool {
                true
            }
            fn json_schema(_: &mut ::schemars::SchemaGenerator) -> ::schemars::Schema {
                // Open: any string is accepted; the known values are listed for readers.
                ::schemars::json_schema!({
                    "type": "string",
                    "description": format!("One of: {} (other values may appear).", Self::KNOWN.join(", ")),
                })
            }
        }
    };
}

#[cfg(test)]
mod tests {
    crate::open_enum! {
        enum Status { Queued = "queued", Done = "done" }
    }

    #[test]
    fn known_and_unknown_values_round_trip() {
        let parsed: Vec<Status> =
            serde_json::from_str(r#"["queued","done","waiting-for-session"]"#).unwrap();
        assert_eq!(
            parsed,
            vec![
                Status::Queued,
                Status::Done,
                Status::Other("waiting-for-session".into())
            ]
        );
        assert_eq!(
            serde_json::to_string(&parsed).unwrap(),
            r#"["queued","done","waiting-for-session"]"#
        );
        assert!(!parsed[2].is_known());
    }
}
