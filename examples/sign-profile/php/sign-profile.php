<?php
// Mint the p13n_profile cookie in your PHP backend (firebase/php-jwt >= 6: composer require firebase/php-jwt).
//
// HS256 with PROFILE_SECRET (the same value as the Worker's secret), or ES256/RS256 with your own
// key pair, a `kid`, and a JWKS route the Worker reads (PROFILE_JWKS_URL). See README.md here.
// Run: php sign-profile.php
require __DIR__ . '/vendor/autoload.php';

use Firebase\JWT\JWT;

const P13N_COOKIE = 'p13n_profile'; // the Worker's PROFILE_COOKIE
const P13N_TYP = 'p13n-profile+jwt'; // the Worker's PROFILE_TYP: only tokens minted for it pass as profiles

function profile_claims(array $user, string $issuer, string $audience, int $ttl = 3600): array
{
    $now = time();
    return [
        'sub' => (string) $user['id'],   // a stable, opaque id: not an email
        'iss' => $issuer,                // PROFILE_ISSUER
        'aud' => $audience,              // PROFILE_AUDIENCE
        'iat' => $now,
        'exp' => $now + $ttl,
        'tier' => $user['tier'] ?? null,
        'stage' => $user['stage'] ?? null, // new | developing | established
        'prefs' => [
            'topics' => $user['topics'] ?? [],
            'channels' => $user['channels'] ?? [],
            'frequency' => $user['frequency'] ?? 'normal', // fewer | normal | more
        ],
        'consent' => ['personalize' => $user['personalize'] ?? true, 'track' => $user['track'] ?? true],
        'attrs' => (object) ($user['attrs'] ?? []), // your own scalars; an object even when empty
    ];
}

/** HS256 with PROFILE_SECRET. */
function sign_profile(array $user, string $secret, string $issuer, string $audience, int $ttl = 3600): string
{
    $claims = array_filter(profile_claims($user, $issuer, $audience, $ttl), fn ($v) => $v !== null);
    return JWT::encode($claims, $secret, 'HS256', null, ['typ' => P13N_TYP]);
}

/** ES256 (or RS256) with your private key (PEM) and its kid. */
function sign_profile_with_key(array $user, string $privateKeyPem, string $kid, string $issuer, string $audience, string $alg = 'ES256', int $ttl = 3600): string
{
    $claims = array_filter(profile_claims($user, $issuer, $audience, $ttl), fn ($v) => $v !== null);
    return JWT::encode($claims, $privateKeyPem, $alg, $kid, ['typ' => P13N_TYP]);
}

function b64url(string $bytes): string
{
    return rtrim(strtr(base64_encode($bytes), '+/', '-_'), '=');
}

/** The body of your JWKS route (GET /.well-known/p13n-jwks.json): [[publicKeyPem, kid], ...], current and previous. */
function jwks_document(array $publicKeys): array
{
    $keys = [];
    foreach ($publicKeys as [$pem, $kid]) {
        $d = openssl_pkey_get_details(openssl_pkey_get_public($pem));
        if (isset($d['ec'])) {
            $keys[] = ['kty' => 'EC', 'crv' => 'P-256', 'x' => b64url($d['ec']['x']), 'y' => b64url($d['ec']['y']), 'kid' => $kid, 'alg' => 'ES256', 'use' => 'sig'];
        } else {
            $keys[] = ['kty' => 'RSA', 'n' => b64url($d['rsa']['n']), 'e' => b64url($d['rsa']['e']), 'kid' => $kid, 'alg' => 'RS256', 'use' => 'sig'];
        }
    }
    return ['keys' => $keys];
}

/** Sets the cookie on the current response: Secure, HttpOnly, SameSite=Lax, Path=/. */
function set_profile_cookie(string $token, int $ttl = 3600): void
{
    setcookie(P13N_COOKIE, $token, [
        'expires' => time() + $ttl,
        'path' => '/',
        'secure' => true,
        'httponly' => true,
        'samesite' => 'Lax',
    ]);
}

if (PHP_SAPI === 'cli' && realpath($argv[0]) === __FILE__) {
    $user = ['id' => 'cust-1042', 'tier' => 'gold', 'stage' => 'new', 'topics' => ['running'], 'attrs' => ['subscribed' => true]];
    $secret = getenv('PROFILE_SECRET') ?: 'dev-only-profile-secret-7f3a9c1e5b2d4086a1f9e3c7b5d20846';
    $token = sign_profile($user, $secret, getenv('PROFILE_ISSUER') ?: 'https://demo-shop.example', getenv('PROFILE_AUDIENCE') ?: 'p13n-edge');
    echo 'Set-Cookie: ' . P13N_COOKIE . "=$token; Path=/; Max-Age=3600; Secure; HttpOnly; SameSite=Lax\n";

    $key = openssl_pkey_new(['private_key_type' => OPENSSL_KEYTYPE_EC, 'curve_name' => 'prime256v1']);
    $public = openssl_pkey_get_details($key)['key'];
    echo json_encode(jwks_document([[$public, '2026-11']]), JSON_PRETTY_PRINT) . "\n";
}
