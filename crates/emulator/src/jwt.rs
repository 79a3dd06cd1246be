//! Token signing. The emulator signs with a fixed demo RSA key (it is a demo tenant, not a secret),
//! published in the JWKS so that real JWT libraries can verify what it issues.

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde_json::Value;

pub const KID: &str = "rollcall-demo-1";
const PEM: &[u8] = include_bytes!("../keys/demo-signing-key.pem");
const MODULUS: &str = include_str!("../keys/demo-signing-key.n");

pub struct Keys {
    encoding: Option<EncodingKey>,
    decoding: Option<DecodingKey>,
}

#[derive(thiserror::Error, Debug)]
pub enum TokenError {
    #[error("token could not be signed: {0}")]
    Sign(String),
    #[error("Access token has expired or is not yet valid.")]
    Expired,
    #[error("Access token validation failure. Invalid audience.")]
    Invalid,
}

impl Keys {
    pub fn demo() -> Self {
        Keys {
            encoding: EncodingKey::from_rsa_pem(PEM).ok(),
            decoding: DecodingKey::from_rsa_components(MODULUS.trim(), "AQAB").ok(),
        }
    }

    pub fn sign(&self, claims: &Value) -> Result<String, TokenError> {
        let key = self
            .encoding
            .as_ref()
            .ok_or_else(|| TokenError::Sign("no key".into()))?;
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(KID.into());
        header.typ = Some("JWT".into());
        jsonwebtoken::encode(&header, claims, key).map_err(|e| TokenError::Sign(e.to_string()))
    }

    /// Verify signature and lifetime of a Graph access token and return its claims.
    pub fn verify(&self, token: &str) -> Result<Value, TokenError> {
        let key = self.decoding.as_ref().ok_or(TokenError::Invalid)?;
        let mut v = Validation::new(Algorithm::RS256);
        v.set_audience(&[
            "https://graph.microsoft.com",
            "00000003-0000-0000-c000-000000000000",
        ]);
        v.leeway = 0;
        v.validate_nbf = true;
        match jsonwebtoken::decode::<Value>(token, key, &v) {
            Ok(data) => Ok(data.claims),
            Err(e) => match e.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature
                | jsonwebtoken::errors::ErrorKind::ImmatureSignature => Err(TokenError::Expired),
                _ => Err(TokenError::Invalid),
            },
        }
    }

    pub fn jwks(&self) -> Value {
        serde_json::json!({
            "keys": [{
                "kty": "RSA", "use": "sig", "kid": KID, "x5t": KID, "n": MODULUS.trim(), "e": "AQAB",
                "alg": "RS256"
            }]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_tokens_verify_and_expire() {
        let keys = Keys::demo();
        let now = jiff::Timestamp::now().as_second();
        let good = keys
            .sign(&serde_json::json!({"aud": "https://graph.microsoft.com", "exp": now + 60, "nbf": now - 1, "roles": ["User.Read.All"]}))
            .unwrap();
        assert_eq!(keys.verify(&good).unwrap()["roles"][0], "User.Read.All");
        let old = keys
            .sign(&serde_json::json!({"aud": "https://graph.microsoft.com", "exp": now - 5}))
            .unwrap();
        assert!(matches!(keys.verify(&old), Err(TokenError::Expired)));
        let mut tampered = good.clone();
        tampered.push('x');
        assert!(keys.verify(&tampered).is_err());
    }
}
