using GrocerySync.Contracts;
using GrocerySync.Hub.Api;
using GrocerySync.Hub.Data;
using GrocerySync.Hub.Data.Entities;
using GrocerySync.Hub.Features.Auth;
using GrocerySync.Hub.Security;
using GrocerySync.Hub.Tenancy;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace GrocerySync.Hub.Features.Users;

/// <summary>
/// Hub users. Retailer admins manage their own retailer's users; platform admins manage everyone, including
/// other platform admins. Nobody changes their own role or disables or deletes themselves, so a platform
/// always keeps at least one platform admin.
/// </summary>
internal sealed class UserService(HubDbContext db, UserManager<HubUser> users, RetailerScope scope, CurrentUser caller, TokenService tokens, SessionValidator sessions, TwoFactorService twoFactor)
{
    private const string PlatformAdminOnly = "Only a platform admin can grant the PlatformAdmin role.";
    private const string EmailTaken = "An account with this email exists already.";

    private static readonly Ordering<HubUser> ListOrdering = Ordering<HubUser>.By("displayName", u => u.Id)
        .Add("displayName", u => u.DisplayName)
        .Add("email", u => u.Email)
        .Add("role", u => u.Role)
        .Add("createdAt", u => u.CreatedAt);

    private static readonly Projection<HubUser, UserDto> ToDto = new(u => new UserDto(
        u.Id, u.RetailerId, u.Email ?? string.Empty, u.DisplayName, u.Role, u.Disabled, u.LockoutEnd, u.TwoFactorEnabled,
        u.CreatedAt, u.UpdatedAt, u.Version));

    public Task<Outcome<PagedResult<UserDto>>> ListAsync(ListQuery list, UserListQuery filter, CancellationToken ct)
    {
        var query = db.Users.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(list.Search))
        {
            var term = list.Search.Trim().ToLower();
            query = query.Where(u => u.DisplayName.ToLower().Contains(term) || (u.Email != null && u.Email.ToLower().Contains(term)));
        }

        if (filter.RetailerId is { } retailerId)
        {
            query = query.Where(u => u.RetailerId == retailerId);
        }

        if (filter.Role is { } role)
        {
            query = query.Where(u => u.Role == role);
        }

        if (filter.Disabled is { } disabled)
        {
            query = query.Where(u => u.Disabled == disabled);
        }

        return query.ToPageAsync(list, ListOrdering, ToDto.Expression, ct);
    }

    public async Task<Outcome<UserDto>> GetAsync(Guid id, CancellationToken ct) =>
        await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Id == id, ct) is { } user ? ToDto.From(user) : Outcome.NotFound;

    public async Task<Outcome<UserDto>> CreateAsync(CreateUserRequest request, CancellationToken ct)
    {
        var role = request.Role.GetValueOrDefault(HubRole.Technician);
        Guid? retailerId = null;
        if (role == HubRole.PlatformAdmin)
        {
            if (!caller.IsPlatformAdmin)
            {
                return Outcome.Invalid("role", PlatformAdminOnly);
            }

            if (request.RetailerId is not null)
            {
                return Outcome.Invalid("retailerId", "Platform admins belong to no retailer; leave retailerId out.");
            }
        }
        else
        {
            var retailer = await scope.ForCreateAsync(request.RetailerId, ct);
            if (retailer.Kind != OutcomeKind.Ok)
            {
                return new Outcome(retailer.Kind, retailer.Errors, retailer.Detail);
            }

            retailerId = retailer.Value;
        }

        var email = request.Email.Trim();
        var user = new HubUser { UserName = email, Email = email, DisplayName = request.DisplayName.Trim(), Role = role, RetailerId = retailerId };

        // Identity stops at the first failing check; run them all so the caller sees every field error at once.
        var errors = new Dictionary<string, string[]>();
        foreach (var validator in users.PasswordValidators)
        {
            AddErrors(errors, await validator.ValidateAsync(users, user, request.Password));
        }

        foreach (var validator in users.UserValidators)
        {
            AddErrors(errors, await validator.ValidateAsync(users, user));
        }

        if (errors.Count > 0)
        {
            return Outcome.Invalid(errors);
        }

        IdentityResult result;
        try
        {
            result = await users.CreateAsync(user, request.Password);
        }
        catch (DbUpdateException e) when (IsUniqueViolation(e))
        {
            // Emails are unique across the platform, but the validator only sees the caller's retailer.
            return Outcome.Invalid("email", EmailTaken);
        }

        if (!result.Succeeded)
        {
            AddErrors(errors, result);
            return Outcome.Invalid(errors);
        }

        return ToDto.From(user);
    }

    public async Task<Outcome<UserDto>> UpdateAsync(Guid id, UpdateUserRequest request, CancellationToken ct)
    {
        var user = await db.Users.SingleOrDefaultAsync(u => u.Id == id, ct);
        if (user is null)
        {
            return Outcome.NotFound;
        }

        if (user.Version != request.Version.GetValueOrDefault())
        {
            return Outcome.StaleVersion;
        }

        var errors = new Dictionary<string, string[]>();
        var self = user.Id == caller.UserId;
        var role = request.Role.GetValueOrDefault(user.Role);
        if (role != user.Role)
        {
            if (self)
            {
                errors["role"] = ["You cannot change your own role; ask another admin."];
            }
            else if (role == HubRole.PlatformAdmin && !caller.IsPlatformAdmin)
            {
                errors["role"] = [PlatformAdminOnly];
            }
            else if ((role == HubRole.PlatformAdmin) != (user.RetailerId is null))
            {
                errors["role"] = ["Platform admins belong to no retailer and everyone else to one, so this role change would move the account between retailers. Create a new account instead."];
            }
        }

        if (self && request.Disabled)
        {
            errors["disabled"] = ["You cannot disable your own account."];
        }

        if (errors.Count > 0)
        {
            return Outcome.Invalid(errors);
        }

        // A new role or a disabled account ends the user's sessions: their tokens and cookie carry the old role.
        var endSessions = role != user.Role || (request.Disabled && !user.Disabled);
        user.DisplayName = request.DisplayName.Trim();
        user.Role = role;
        user.Disabled = request.Disabled;
        if (endSessions)
        {
            user.SecurityStamp = Guid.NewGuid().ToString("N").ToUpperInvariant();
        }

        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            return Outcome.StaleVersion;
        }

        if (endSessions)
        {
            // Refresh is refused on the new stamp anyway; revoking makes the sign-out visible in the token table.
            await tokens.RevokeAllAsync(user.Id, ct);
            sessions.Forget(user.Id);
        }

        return ToDto.From(user);
    }

    public async Task<Outcome<bool>> DeleteAsync(Guid id, CancellationToken ct)
    {
        var user = await db.Users.SingleOrDefaultAsync(u => u.Id == id, ct);
        if (user is null)
        {
            return Outcome.NotFound;
        }

        if (user.Id == caller.UserId)
        {
            return Outcome.Invalid("id", "You cannot delete your own account; ask another admin.");
        }

        db.Users.Remove(user);
        await db.SaveChangesAsync(ct);
        sessions.Forget(user.Id);
        return true;
    }

    /// <summary>Turns off a user's two-factor sign-in for a lost authenticator; they enroll again at their next sign-in where it is required.</summary>
    public async Task<Outcome<UserDto>> ResetTwoFactorAsync(Guid id, CancellationToken ct)
    {
        var user = await db.Users.SingleOrDefaultAsync(u => u.Id == id, ct);
        if (user is null)
        {
            return Outcome.NotFound;
        }

        if (user.Id == caller.UserId)
        {
            return Outcome.Invalid("id", "You cannot reset your own two-factor sign-in; use your account page, or ask another admin.");
        }

        await twoFactor.ResetAsync(user, ct);
        return ToDto.From(user);
    }

    private static void AddErrors(Dictionary<string, string[]> errors, IdentityResult result)
    {
        foreach (var error in result.Errors)
        {
            var (field, message) = error.Code switch
            {
                _ when error.Code.StartsWith("Password", StringComparison.Ordinal) => ("password", error.Description),
                nameof(IdentityErrorDescriber.DuplicateEmail) or nameof(IdentityErrorDescriber.DuplicateUserName) => ("email", EmailTaken),
                nameof(IdentityErrorDescriber.InvalidEmail) or nameof(IdentityErrorDescriber.InvalidUserName) => ("email", "Not a valid email address for a sign-in name."),
                _ => ("$", error.Description),
            };
            errors[field] = errors.TryGetValue(field, out var messages) ? [.. messages.Append(message).Distinct()] : [message];
        }
    }

    private static bool IsUniqueViolation(DbUpdateException e) => e.InnerException switch
    {
        Microsoft.Data.Sqlite.SqliteException sqlite => sqlite.SqliteExtendedErrorCode == 2067, // SQLITE_CONSTRAINT_UNIQUE
        Npgsql.PostgresException postgres => postgres.SqlState == Npgsql.PostgresErrorCodes.UniqueViolation,
        _ => false,
    };
}
