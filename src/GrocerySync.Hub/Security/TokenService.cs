using System.Security.Cryptography;
using GrocerySync.Hub.Data;
using GrocerySync.Hub.Data.Entities;
using GrocerySync.Hub.Tenancy;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace GrocerySync.Hub.Security;

/// <summary>An access token for API calls and the refresh token that gets the next one.</summary>
public sealed record TokenPair(string AccessToken, DateTimeOffset ExpiresAt, string RefreshToken, DateTimeOffset RefreshTokenExpiresAt)
{
    public string TokenType { get; } = "Bearer";
}

/// <summary>
/// Issues short-lived JWT access tokens and rotating refresh tokens. Refresh tokens are stored only as
/// SHA-256 hashes; each use replaces the token, and presenting a used token revokes its whole family.
/// </summary>
internal sealed class TokenService(HubDbContext db, SigningKey signingKey, IOptions<HubOptions> options, TimeProvider time)
{
    private readonly AuthOptions _auth = options.Value.Auth;

    public async Task<TokenPair> IssueAsync(HubUser user, CancellationToken ct) =>
        await IssueAsync(user, familyId: Guid.CreateVersion7(), ct);

    /// <summary>Exchanges a refresh token for a new pair, or answers null when it is unknown, expired, revoked or reused.</summary>
    public async Task<TokenPair?> RefreshAsync(string refreshToken, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var hash = Hash(refreshToken);
        var stored = await db.RefreshTokens.SingleOrDefaultAsync(t => t.TokenHash == hash, ct);
        if (stored is null || stored.RevokedAt is not null || stored.ExpiresAt <= now)
        {
            return null;
        }

        if (stored.UsedAt is not null)
        {
            // A used token coming back means it was copied: end every session descended from that sign-in.
            await RevokeFamilyAsync(stored.FamilyId, now, ct);
            return null;
        }

        var user = await db.Users.IgnoreQueryFilters().SingleOrDefaultAsync(u => u.Id == stored.UserId, ct);
        if (user is null || user.Disabled)
        {
            return null;
        }

        stored.UsedAt = now;
        return await IssueAsync(user, stored.FamilyId, ct);
    }

    /// <summary>Revokes the family of <paramref name="refreshToken"/> (sign-out); unknown tokens are ignored.</summary>
    public async Task RevokeAsync(string refreshToken, CancellationToken ct)
    {
        var hash = Hash(refreshToken);
        var familyId = await db.RefreshTokens.Where(t => t.TokenHash == hash).Select(t => (Guid?)t.FamilyId).SingleOrDefaultAsync(ct);
        if (familyId is not null)
        {
            await RevokeFamilyAsync(familyId.Value, time.GetUtcNow(), ct);
        }
    }

    private async Task RevokeFamilyAsync(Guid familyId, DateTimeOffset now, CancellationToken ct) =>
        await db.RefreshTokens
            .Where(t => t.FamilyId == familyId && t.RevokedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.RevokedAt, now), ct);

    private async Task<TokenPair> IssueAsync(HubUser user, Guid familyId, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var expires = now + _auth.AccessTokenLifetime;
        var claims = new Dictionary<string, object>
        {
            [HubClaims.UserId] = user.Id.ToString(),
            [HubClaims.Role] = user.Role.ToString(),
            [HubClaims.Name] = user.DisplayName,
            [JwtRegisteredClaimNames.Jti] = Guid.NewGuid().ToString("N"),
        };
        if (user.RetailerId is { } retailerId)
        {
            claims[HubClaims.RetailerId] = retailerId.ToString();
        }

        var access = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = _auth.Issuer,
            Audience = _auth.Audience,
            Claims = claims,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = expires.UtcDateTime,
            SigningCredentials = new SigningCredentials(signingKey.Key, SecurityAlgorithms.HmacSha256),
        });

        var refresh = System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        var refreshExpires = now + _auth.RefreshTokenLifetime;
        db.RefreshTokens.Add(new RefreshToken
        {
            UserId = user.Id,
            FamilyId = familyId,
            TokenHash = Hash(refresh),
            CreatedAt = now,
            ExpiresAt = refreshExpires,
        });
        await db.SaveChangesAsync(ct);
        return new TokenPair(access, expires, refresh, refreshExpires);
    }

    /// <summary>Validation rules for access tokens: one algorithm, our issuer and audience, at most 30 s of clock skew.</summary>
    public static TokenValidationParameters ValidationParameters(AuthOptions auth, SecurityKey key) => new()
    {
        ValidIssuer = auth.Issuer,
        ValidAudience = auth.Audience,
        IssuerSigningKey = key,
        ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
        ClockSkew = TimeSpan.FromSeconds(30),
        NameClaimType = HubClaims.Name,
        RoleClaimType = HubClaims.Role,
        RequireExpirationTime = true,
        ValidateLifetime = true,
    };

    private static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(token)));


}
