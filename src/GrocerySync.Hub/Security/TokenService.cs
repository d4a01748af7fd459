using System.Security.Cryptography;
using System.Text.Json.Nodes;
using GrocerySync.Hub.Data;
using GrocerySync.Hub.Data.Entities;
using GrocerySync.Hub.Features.Audit;
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
/// SHA-256 hashes; each use replaces the token, and presenting a used token revokes its whole family. A family
/// also ends when the user's security stamp changes (sign-out everywhere, disabling, a two-factor change).
/// </summary>
internal sealed class TokenService(HubDbContext db, SigningKey signingKey, IOptions<HubOptions> options, TimeProvider time, AuditLog audit)
{
    /// <summary>How long a restricted two-factor enrollment token lasts.</summary>
    public static readonly TimeSpan EnrollmentTokenLifetime = TimeSpan.FromMinutes(10);

    private readonly AuthOptions _auth = options.Value.Auth;

    public async Task<TokenPair> IssueAsync(HubUser user, CancellationToken ct) =>
        await IssueAsync(user, familyId: Guid.CreateVersion7(), ct);

    /// <summary>
    /// A token that only lets its holder enroll two-factor sign-in (<see cref="Policies.TwoFactorEnrollment"/>): for a
    /// user who must use two-factor sign-in and has not set it up yet. No refresh token comes with it.
    /// </summary>
    public (string Token, DateTimeOffset ExpiresAt) IssueEnrollmentToken(HubUser user)
    {
        var now = time.GetUtcNow();
        var expires = now + EnrollmentTokenLifetime;
        var token = Create(now, expires, new Dictionary<string, object>
        {
            [HubClaims.UserId] = user.Id.ToString(),
            [HubClaims.Name] = user.DisplayName,
            [HubClaims.Scope] = HubClaims.TwoFactorEnrollmentScope,
            [HubClaims.SecurityStamp] = user.SecurityStamp ?? string.Empty,
            [JwtRegisteredClaimNames.Jti] = Guid.NewGuid().ToString("N"),
        });
        return (token, expires);
    }

    /// <summary>Exchanges a refresh token for a new pair, or answers null when it is unknown, expired, revoked, reused or its session ended.</summary>
    public async Task<TokenPair?> RefreshAsync(string refreshToken, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var hash = Hash(refreshToken);
        var stored = await db.RefreshTokens.SingleOrDefaultAsync(t => t.TokenHash == hash, ct);
        if (stored is null || stored.RevokedAt is not null || stored.ExpiresAt <= now)
        {
            return null;
        }

        var user = await db.Users.IgnoreQueryFilters().SingleOrDefaultAsync(u => u.Id == stored.UserId, ct);
        if (stored.UsedAt is not null)
        {
            // A used token coming back means it was copied: end every session descended from that sign-in.
            await RevokeFamilyAsync(stored.FamilyId, now, ct);
            if (user is not null)
            {
                audit.Record(AuditEventType.UserRefreshTokenReuseDetected, "User", user.Id, user.RetailerId,
                    new JsonObject { ["Family"] = stored.FamilyId.ToString(), ["FirstUsedAt"] = stored.UsedAt },
                    new AuditActor(user.Id, user.DisplayName));
                await db.SaveChangesAsync(ct);
            }

            return null;
        }

        if (user is null || user.Disabled || user.SecurityStamp != stored.SecurityStamp)
        {
            return null;
        }

        stored.UsedAt = now;
        return await IssueAsync(user, stored.FamilyId, ct);
    }

    /// <summary>Revokes the family of <paramref name="refreshToken"/> (sign-out) and answers its user; unknown tokens are ignored.</summary>
    public async Task<Guid?> RevokeAsync(string refreshToken, CancellationToken ct)
    {
        var hash = Hash(refreshToken);
        var token = await db.RefreshTokens.AsNoTracking().Where(t => t.TokenHash == hash).Select(t => new { t.FamilyId, t.UserId, t.RevokedAt }).SingleOrDefaultAsync(ct);
        if (token is null || token.RevokedAt is not null)
        {
            return null;
        }

        await RevokeFamilyAsync(token.FamilyId, time.GetUtcNow(), ct);
        return token.UserId;
    }

    /// <summary>Revokes every refresh token of <paramref name="userId"/> (sign-out everywhere, disabling).</summary>
    public async Task RevokeAllAsync(Guid userId, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        await db.RefreshTokens
            .Where(t => t.UserId == userId && t.RevokedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.RevokedAt, now), ct);
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
            [HubClaims.SecurityStamp] = user.SecurityStamp ?? string.Empty,
            [JwtRegisteredClaimNames.Jti] = Guid.NewGuid().ToString("N"),
        };
        if (user.RetailerId is { } retailerId)
        {
            claims[HubClaims.RetailerId] = retailerId.ToString();
        }

        var access = Create(now, expires, claims);
        var refresh = System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        var refreshExpires = now + _auth.RefreshTokenLifetime;
        db.RefreshTokens.Add(new RefreshToken
        {
            UserId = user.Id,
            FamilyId = familyId,
            TokenHash = Hash(refresh),
            SecurityStamp = user.SecurityStamp ?? string.Empty,
            CreatedAt = now,
            ExpiresAt = refreshExpires,
        });
        await db.SaveChangesAsync(ct);
        return new TokenPair(access, expires, refresh, refreshExpires);
    }

    private string Create(DateTimeOffset now, DateTimeOffset expires, Dictionary<string, object> claims) =>
        new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = _auth.Issuer,
            Audience = _auth.Audience,
            Claims = claims,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = expires.UtcDateTime,
            SigningCredentials = new SigningCredentials(signingKey.Key, SecurityAlgorithms.HmacSha256),
        });

    /// <summary>
    /// Validation rules for access tokens: one algorithm, our issuer and audience, at most 30 s of clock skew. Keys
    /// from <c>Hub:Auth:PreviousSigningKeys</c> still validate during a signing-key rotation.
    /// </summary>
    public static TokenValidationParameters ValidationParameters(AuthOptions auth, SigningKey key) => new()
    {
        ValidIssuer = auth.Issuer,
        ValidAudience = auth.Audience,
        IssuerSigningKeys = [key.Key, .. key.PreviousKeys],
        ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
        ClockSkew = TimeSpan.FromSeconds(30),
        NameClaimType = HubClaims.Name,
        RoleClaimType = HubClaims.Role,
        RequireExpirationTime = true,
        ValidateLifetime = true,
    };

    public static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(token)));
}
