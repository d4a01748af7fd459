using System.Security.Claims;
using GrocerySync.Hub.Data;
using GrocerySync.Hub.Tenancy;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;

namespace GrocerySync.Hub.Security;

/// <summary>
/// Ends sessions early: an access token or browser cookie is refused once its user is disabled or deleted, or their
/// security stamp changed (sign-out everywhere, a two-factor change, disabling). The user's state is cached for
/// <see cref="CacheFor"/>; changes made on this replica evict it at once, other replicas follow within that time.
/// An access token never outlives its 15 minutes anyway.
/// </summary>
internal sealed class SessionValidator(IMemoryCache cache, IServiceScopeFactory scopes)
{
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(30);

    private sealed record UserState(bool Active, string Stamp);

    public async Task<bool> IsCurrentAsync(ClaimsPrincipal principal, CancellationToken ct)
    {
        if (!Guid.TryParse(principal.FindFirstValue(HubClaims.UserId), out var userId))
        {
            return false;
        }

        var stamp = principal.FindFirstValue(HubClaims.SecurityStamp);
        var state = await cache.GetOrCreateAsync(Key(userId), async entry =>
        {
            entry.AbsoluteExpirationRelativeToNow = CacheFor;
            await using var scope = scopes.CreateAsyncScope();
            scope.ServiceProvider.GetRequiredService<CurrentUser>().SetSystem();
            var db = scope.ServiceProvider.GetRequiredService<HubDbContext>();
            var user = await db.Users.AsNoTracking().Where(u => u.Id == userId).Select(u => new { u.Disabled, u.SecurityStamp }).SingleOrDefaultAsync(ct);
            return user is null ? new UserState(false, string.Empty) : new UserState(!user.Disabled, user.SecurityStamp ?? string.Empty);
        });
        return state is { Active: true } && state.Stamp == stamp;
    }

    /// <summary>Forgets the cached state of <paramref name="userId"/> after a change to it.</summary>
    public void Forget(Guid userId) => cache.Remove(Key(userId));

    private static string Key(Guid userId) => "session-user:" + userId.ToString("N");
}
