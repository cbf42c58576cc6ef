//! SHA-256 digests as they appear in plugin files: 64 lowercase hex digits.

use std::fmt;

use sha2::Digest;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sha256([u8; 32]);

impl Sha256 {
    /// Parses 64 lowercase hex digits.
    pub fn parse(s: &str) -> Result<Self, String> {
        Self::decode(s.as_bytes()).ok_or_else(|| {
            format!(
                "`{}` is not a sha256 digest (expected 64 lowercase hex digits)",
                s.chars().take(80).collect::<String>()
            )
        })
    }

    /// The digest of 64 lowercase hex digits, in one pass: every plugin
    /// file and snapshot holds many, and a check then a decode by the
    /// `hex` crate was a twentieth of parsing a plugin file.
    fn decode(hex: &[u8]) -> Option<Self> {
        fn nibble(b: u8) -> Option<u8> {
            match b {
                b'0'..=b'9' => Some(b - b'0'),
                b'a'..=b'f' => Some(b - b'a' + 10),
                _ => None,
            }
        }
        let pairs = hex.as_chunks::<2>();
        if !pairs.1.is_empty() || pairs.0.len() != 32 {
            return None;
        }
        let mut out = [0u8; 32];
        for (byte, [hi, lo]) in out.iter_mut().zip(pairs.0) {
            *byte = nibble(*hi)? << 4 | nibble(*lo)?;
        }
        Some(Sha256(out))
    }

    /// The digest of `bytes`.
    pub fn of(bytes: &[u8]) -> Self {
        Sha256(sha2::Sha256::digest(bytes).into())
    }

    pub fn from_bytes(b: [u8; 32]) -> Self {
        Sha256(b)
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    pub fn to_hex(&self) -> String {
        self.to_string()
    }

    /// Appends the 64 lowercase hex digits to `out`.
    pub fn push_hex(&self, out: &mut String) {
        let digits = self.hex_digits();
        out.push_str(std::str::from_utf8(&digits).unwrap_or_default());
    }

    /// The 64 lowercase hex digits, without an allocation.
    fn hex_digits(&self) -> [u8; 64] {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut out = [0u8; 64];
        for (pair, byte) in out.chunks_exact_mut(2).zip(self.0) {
            pair[0] = DIGITS[usize::from(byte >> 4)];
            pair[1] = DIGITS[usize::from(byte & 0xf)];
        }
        out
    }
}

impl fmt::Display for Sha256 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits = self.hex_digits();
        // Hex digits are ASCII.
        f.write_str(std::str::from_utf8(&digits).unwrap_or_default())
    }
}

impl serde::Serialize for Sha256 {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

impl<'de> serde::Deserialize<'de> for Sha256 {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Sha256::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundtrips_hex() {
        let d = Sha256::of(b"abc");
        assert_eq!(
            d.to_hex(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(Sha256::parse(&d.to_hex()), Ok(d));
        assert!(
            Sha256::parse("BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD")
                .is_err()
        );
        assert!(Sha256::parse("abc").is_err());
        assert_eq!(d.to_string(), d.to_hex());
        // One digit off the end, a non-digit, a digit too many.
        let hex = d.to_hex();
        assert!(Sha256::parse(&hex[1..]).is_err());
        assert!(Sha256::parse(&format!("{}g", &hex[1..])).is_err());
        assert!(Sha256::parse(&format!("{hex}0")).is_err());
        assert!(Sha256::parse(&format!("é{}", &hex[2..])).is_err());
    }
}
