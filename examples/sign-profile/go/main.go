// Mint the p13n_profile cookie in your Go backend (github.com/golang-jwt/jwt/v5).
//
// HS256 with PROFILE_SECRET (the same value as the Worker's secret), or ES256/RS256 with your
// own key pair, a `kid`, and a JWKS route the Worker reads (PROFILE_JWKS_URL). See README.md here.
// Run: go run .
package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const Cookie = "p13n_profile" // the Worker's PROFILE_COOKIE

// Typ is the Worker's PROFILE_TYP: only tokens minted for it pass as profiles (golang-jwt writes "JWT" unless told).
const Typ = "p13n-profile+jwt"

type Prefs struct {
	Topics    []string `json:"topics"`
	Channels  []string `json:"channels"`
	Frequency string   `json:"frequency"` // fewer | normal | more
}

type Consent struct {
	Personalize bool `json:"personalize"`
	Track       bool `json:"track"`
}

// ProfileClaims are the claims the Worker reads (README "The profile cookie").
type ProfileClaims struct {
	Tier    string         `json:"tier,omitempty"`
	Stage   string         `json:"stage,omitempty"` // new | developing | established
	Prefs   Prefs          `json:"prefs"`
	Consent Consent        `json:"consent"`
	Attrs   map[string]any `json:"attrs"` // your own scalars
	jwt.RegisteredClaims                  // sub, iss, aud, iat, exp
}

func claimsFor(userID, tier, stage string, topics []string, attrs map[string]any, issuer, audience string, ttl time.Duration) ProfileClaims {
	now := time.Now()
	if attrs == nil {
		attrs = map[string]any{}
	}
	return ProfileClaims{
		Tier: tier, Stage: stage,
		Prefs:   Prefs{Topics: topics, Channels: []string{}, Frequency: "normal"},
		Consent: Consent{Personalize: true, Track: true},
		Attrs:   attrs,
		RegisteredClaims: jwt.RegisteredClaims{
			Subject:   userID,                       // a stable, opaque id: not an email
			Issuer:    issuer,                       // PROFILE_ISSUER
			Audience:  jwt.ClaimStrings{audience},   // PROFILE_AUDIENCE
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(ttl)),
		},
	}
}

// SignProfile: HS256 with PROFILE_SECRET.
func SignProfile(c ProfileClaims, secret []byte) (string, error) {
	t := jwt.NewWithClaims(jwt.SigningMethodHS256, c)
	t.Header["typ"] = Typ
	return t.SignedString(secret)
}

// SignProfileWithKey: ES256 with your private key and its kid (jwt.SigningMethodRS256 with an *rsa.PrivateKey works alike).
func SignProfileWithKey(c ProfileClaims, key *ecdsa.PrivateKey, kid string) (string, error) {
	t := jwt.NewWithClaims(jwt.SigningMethodES256, c)
	t.Header["kid"] = kid
	t.Header["typ"] = Typ
	return t.SignedString(key)
}

type JWK struct {
	Kty string `json:"kty"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Y   string `json:"y"`
	Kid string `json:"kid"`
	Alg string `json:"alg"`
	Use string `json:"use"`
}

// JWKS is the body of your JWKS route (GET /.well-known/p13n-jwks.json): public keys, current and previous.
func JWKS(keys map[string]*ecdsa.PublicKey) map[string][]JWK {
	b64 := base64.RawURLEncoding
	out := []JWK{}
	for kid, k := range keys {
		x, y := make([]byte, 32), make([]byte, 32)
		k.X.FillBytes(x)
		k.Y.FillBytes(y)
		out = append(out, JWK{Kty: "EC", Crv: "P-256", X: b64.EncodeToString(x), Y: b64.EncodeToString(y), Kid: kid, Alg: "ES256", Use: "sig"})
	}
	return map[string][]JWK{"keys": out}
}

// SetProfileCookie sets the cookie on a response: Secure, HttpOnly, SameSite=Lax, Path=/.
func SetProfileCookie(w http.ResponseWriter, token string, ttl time.Duration) {
	http.SetCookie(w, &http.Cookie{Name: Cookie, Value: token, Path: "/", MaxAge: int(ttl.Seconds()), Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode})
}

func env(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}

func main() {
	c := claimsFor("cust-1042", "gold", "new", []string{"running"}, map[string]any{"subscribed": true},
		env("PROFILE_ISSUER", "https://demo-shop.example"), env("PROFILE_AUDIENCE", "p13n-edge"), time.Hour)
	token, err := SignProfile(c, []byte(env("PROFILE_SECRET", "dev-only-profile-secret-7f3a9c1e5b2d4086a1f9e3c7b5d20846")))
	if err != nil {
		panic(err)
	}
	fmt.Println("Set-Cookie: " + (&http.Cookie{Name: Cookie, Value: token, Path: "/", MaxAge: 3600, Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode}).String())

	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	doc, _ := json.MarshalIndent(JWKS(map[string]*ecdsa.PublicKey{"2026-11": &key.PublicKey}), "", "  ")
	fmt.Println(string(doc))
}
