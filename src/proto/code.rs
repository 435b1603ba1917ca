//! What every RTM enumeration shares: the exact RTM number, the constant's name, the list of
//! values ([`RtmCode`]), and the macro that declares such an enum.

use std::fmt;

/// Behaviour shared by every RTM code enum.
pub trait RtmCode: Copy + Eq + fmt::Debug + Send + Sync + 'static {
    /// The RTM enum this code belongs to, as spelled in the RTM 1.x C++ header
    /// (for example `"LOGIN_ERR_CODE"`).
    const ENUM_NAME: &'static str;
    /// The exact numeric value RTM uses.
    fn code(self) -> i32;
    /// The constant's name without its enum prefix, for example `"INVALID_TOKEN"`.
    fn name(self) -> &'static str;
    /// The value for a number, if the enum has one.
    fn from_code(code: i32) -> Option<Self>;
    /// Every value of the enum, in numeric order.
    fn all() -> &'static [Self];
}

/// Declares an RTM enumeration: each value with its RTM number and constant name.
macro_rules! rtm_codes {
    (
        $(#[$meta:meta])*
        $vis:vis enum $ty:ident = $enum_name:literal {
            $( $(#[$vmeta:meta])* $variant:ident = $num:literal => $cname:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[repr(i32)]
        $vis enum $ty {
            $( $(#[$vmeta])* $variant = $num ),+
        }

        impl $crate::proto::RtmCode for $ty {
            const ENUM_NAME: &'static str = $enum_name;
            fn code(self) -> i32 {
                self as i32
            }
            fn name(self) -> &'static str {
                match self { $( $ty::$variant => $cname ),+ }
            }
            fn from_code(code: i32) -> Option<Self> {
                match code { $( $num => Some($ty::$variant), )+ _ => None }
            }
            fn all() -> &'static [Self] {
                &[ $( $ty::$variant ),+ ]
            }
        }

        impl ::std::fmt::Display for $ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                write!(
                    f,
                    "{} ({})",
                    $crate::proto::RtmCode::name(*self),
                    $crate::proto::RtmCode::code(*self)
                )
            }
        }
    };
}
