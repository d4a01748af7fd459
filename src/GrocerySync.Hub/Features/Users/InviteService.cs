using System.Security.Cryptography;
using System.Text.Json.Nodes;
using GrocerySync.Contracts;
using GrocerySync.Hub.Api;
using GrocerySync.Hub.Data;
using GrocerySync.Hub.Data.Entities;
using GrocerySync.Hub.Features.Audit;
using GrocerySync.Hub.Security;
using GrocerySync.Hub.Tenancy;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace GrocerySync.Hub.Features.Users;

/// <summary>
/// Invitations: an admin invites a person by email to a role; the person sets a password through a single-use,
/// expiring link and the account exists from then on. The same rules as creating a user apply (only platform
/// admins grant PlatformAdmin). Mail goes through SMTP when configured; otherwise the link is handed to the admin.
/// </summary>
internal sealed class InviteService(
    HubDbContext db,
    UserManager<HubUser> users,
    RetailerScope scope,
    CurrentUser caller,
    SmtpMailer mailer,
    AuditLog audit,
    IOptions<HubOptions> options,
    TimeProvider time,
    ILogger<InviteService> log)
{
    public const string AcceptPath = "/account/accept-invite";
    public const string InvalidLink = "This invitation link is not valid: it was used, revoked or has expired. Ask your admin for a new one.";

    private static readonly Ordering<Invite> ListOrdering = Ordering<Invite>.By("-createdAt", i => i.Id)
        .Add("createdAt", i => i.CreatedAt)
        .Add("expiresAt", i => i.ExpiresAt)
        .Add("email", i => i.Email);

    private static readonly Projection<Invite, InviteDto> ToDto = new(i => new InviteDto(
        i.Id, i.RetailerId, i.Email, i.DisplayName, i.Role, i.InvitedByUserId, i.CreatedAt, i.ExpiresAt, i.AcceptedAt, i.AcceptedUserId, i.RevokedAt));

    public Task<Outcome<PagedResult<InviteDto>>> ListAsync(ListQuery list, InviteListQuery filter, CancellationToken ct)
    {
        var query = db.Invites.AsNoTracking().Where(i => !i.IsSetup);
        if (!string.IsNullOrWhiteSpace(list.Search))
        {
            var term = list.Search.Trim().ToLower();
            query = query.Where(i => (i.Email != null && i.Email.ToLower().Contains(term)) || (i.DisplayName != null && i.DisplayName.ToLower().Contains(term)));
        }

        if (filter.RetailerId is { } retailerId)
        {
            query = query.Where(i => i.RetailerId == retailerId);
        }

        if (filter.Pending is { } pending)
        {
            var now = time.GetUtcNow();
            query = pending
                ? query.Where(i => i.AcceptedAt == null && i.RevokedAt == null && i.ExpiresAt > now)
                : query.Where(i => i.AcceptedAt != null || i.RevokedAt != null || i.ExpiresAt <= now);
        }

        return query.ToPageAsync(list, ListOrdering, ToDto.Expression, ct);
    }

    /// <summary>Creates an invitation and mails its link; <paramref name="baseUrl"/> is used when <c>Hub:PublicBaseUrl</c> is not set.</summary>
    public async Task<Outcome<InviteCreatedDto>> CreateAsync(CreateInviteRequest request, string baseUrl, CancellationToken ct)
    {
        var role = request.Role.GetValueOrDefault(HubRole.Technician);
        Guid? retailerId = null;
        if (role == HubRole.PlatformAdmin)
        {
            if (!caller.IsPlatformAdmin)
            {
                return Outcome.Invalid("role", "Only a platform admin can grant the PlatformAdmin role.");
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
        var normalized = users.NormalizeEmail(email);
        if (await db.Users.IgnoreQueryFilters().AnyAsync(u => u.NormalizedEmail == normalized, ct))
        {
            return Outcome.Invalid("email", "An account with this email exists already.");
        }

        var now = time.GetUtcNow();
        // A new invitation replaces the pending ones for the same person: only the latest link works.
        foreach (var pending in await db.Invites.Where(i => i.Email == email && i.AcceptedAt == null && i.RevokedAt == null).ToListAsync(ct))
        {
            pending.RevokedAt = now;
        }

        var (invite, token) = New(retailerId, email, request.DisplayName?.Trim(), role, isSetup: false, options.Value.Invites.Lifetime);
        db.Invites.Add(invite);
        audit.Record(AuditEventType.UserInvited, "Invite", invite.Id, retailerId, new JsonObject
        {
            ["Email"] = email,
            ["Role"] = role.ToString(),
            ["ExpiresAt"] = invite.ExpiresAt,
            ["Delivery"] = mailer.IsConfigured ? "email" : "link",
        });
        await db.SaveChangesAsync(ct);

        var link = LinkFor(token, baseUrl);
        var sent = mailer.IsConfigured && await TrySendAsync(email, request.DisplayName, role, link, invite.ExpiresAt, ct);
        return new InviteCreatedDto(ToDto.From(invite), sent, sent ? null : link);
    }

    public async Task<Outcome<bool>> RevokeAsync(Guid id, CancellationToken ct)
    {
        var invite = await db.Invites.SingleOrDefaultAsync(i => i.Id == id && !i.IsSetup, ct);
        if (invite is null)
        {
            return Outcome.NotFound;
        }

        if (invite.AcceptedAt is not null)
        {
            return Outcome.Conflict("The invitation was accepted already; disable or delete the user instead.");
        }

        if (invite.RevokedAt is null)
        {
            invite.RevokedAt = time.GetUtcNow();
            audit.Record(AuditEventType.UserInviteRevoked, "Invite", invite.Id, invite.RetailerId, new JsonObject { ["Email"] = invite.Email });
            await db.SaveChangesAsync(ct);
        }

        return true;
    }

    /// <summary>What a link offers, or null when it cannot be accepted (used, revoked, expired, unknown: all alike).</summary>
    public async Task<InvitePreview?> PreviewAsync(string token, CancellationToken ct) =>
        await FindUsableAsync(token, ct) is { } invite ? new InvitePreview(invite.Email, invite.DisplayName, invite.Role, invite.IsSetup) : null;

    /// <summary>
    /// Accepts an invitation: creates the account with <paramref name="request"/>'s password and uses the link up,
    /// in one transaction, so two concurrent acceptances of one link create one account.
    /// </summary>
    public async Task<Outcome<AcceptedInviteDto>> AcceptAsync(AcceptInviteRequest request, CancellationToken ct)
    {
        var invite = await FindUsableAsync(request.Token, ct);
        if (invite is null)
        {
            return Outcome.Invalid("token", InvalidLink);
        }

        var email = (invite.Email ?? request.Email)?.Trim();
        if (string.IsNullOrEmpty(email))
        {
            return Outcome.Invalid("email", "Choose the email address you will sign in with.");
        }

        var user = new HubUser
        {
            UserName = email,
            Email = email,
            EmailConfirmed = invite.Email is not null,
            DisplayName = request.DisplayName?.Trim() ?? invite.DisplayName ?? email,
            Role = invite.Role,
            RetailerId = invite.RetailerId,
        };
        var errors = new Dictionary<string, string[]>();
        foreach (var validator in users.PasswordValidators)
        {
            Add(errors, "password", await validator.ValidateAsync(users, user, request.Password));
        }

        foreach (var validator in users.UserValidators)
        {
            Add(errors, "email", await validator.ValidateAsync(users, user));
        }

        if (errors.Count > 0)
        {
            return Outcome.Invalid(errors);
        }

        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var now = time.GetUtcNow();
        var claimed = await db.Invites.IgnoreQueryFilters()
            .Where(i => i.Id == invite.Id && i.AcceptedAt == null && i.RevokedAt == null && i.ExpiresAt > now)
            .ExecuteUpdateAsync(s => s.SetProperty(i => i.AcceptedAt, now), ct);
        if (claimed == 0)
        {
            return Outcome.Invalid("token", InvalidLink);
        }

        IdentityResult created;
        try
        {
            created = await users.CreateAsync(user, request.Password);
        }
        catch (DbUpdateException)
        {
            return Outcome.Invalid("email", "An account with this email exists already.");
        }

        if (!created.Succeeded)
        {
            Add(errors, "email", created);
            return Outcome.Invalid(errors);
        }

        await db.Invites.IgnoreQueryFilters().Where(i => i.Id == invite.Id).ExecuteUpdateAsync(s => s.SetProperty(i => i.AcceptedUserId, user.Id), ct);
        var actor = new AuditActor(user.Id, user.DisplayName);
        audit.Record(AuditEventType.UserInviteAccepted, "User", user.Id, user.RetailerId, new JsonObject { ["Invite"] = invite.Id.ToString(), ["Role"] = user.Role.ToString() }, actor);
        if (invite.IsSetup)
        {
            audit.Record(AuditEventType.PlatformAdminSetUp, "User", user.Id, null, new JsonObject { ["Email"] = email }, actor);
            await db.Invites.IgnoreQueryFilters().Where(i => i.IsSetup && i.AcceptedAt == null && i.RevokedAt == null).ExecuteUpdateAsync(s => s.SetProperty(i => i.RevokedAt, now), ct);
        }

        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return new AcceptedInviteDto(user.Id, email, user.Role, user.RetailerId);
    }

    /// <summary>
    /// The first-admin setup link of a hub without a platform admin: earlier setup links stop working. Answers the token.
    /// </summary>
    public async Task<string> IssueSetupTokenAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        await db.Invites.IgnoreQueryFilters().Where(i => i.IsSetup && i.AcceptedAt == null && i.RevokedAt == null).ExecuteUpdateAsync(s => s.SetProperty(i => i.RevokedAt, now), ct);
        var (invite, token) = New(null, null, null, HubRole.PlatformAdmin, isSetup: true, TimeSpan.FromHours(24));
        db.Invites.Add(invite);
        await db.SaveChangesAsync(ct);
        return token;
    }

    public string LinkFor(string token, string baseUrl) =>
        $"{(options.Value.PublicBaseUrl ?? baseUrl).TrimEnd('/')}{AcceptPath}?token={Uri.EscapeDataString(token)}";

    private (Invite Invite, string Token) New(Guid? retailerId, string? email, string? displayName, HubRole role, bool isSetup, TimeSpan lifetime)
    {
        var token = System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        var now = time.GetUtcNow();
        return (new Invite
        {
            RetailerId = retailerId,
            Email = email,
            DisplayName = displayName,
            Role = role,
            TokenHash = TokenService.Hash(token),
            IsSetup = isSetup,
            InvitedByUserId = caller.IsSystem ? null : caller.UserId,
            CreatedAt = now,
            ExpiresAt = now + lifetime,
        }, token);
    }

    private async Task<Invite?> FindUsableAsync(string token, CancellationToken ct)
    {
        var hash = TokenService.Hash(token.Trim());
        var now = time.GetUtcNow();
        return await db.Invites.IgnoreQueryFilters().AsNoTracking()
            .SingleOrDefaultAsync(i => i.TokenHash == hash && i.AcceptedAt == null && i.RevokedAt == null && i.ExpiresAt > now, ct);
    }

    private async Task<bool> TrySendAsync(string email, string? name, HubRole role, string link, DateTimeOffset expires, CancellationToken ct)
    {
        var text = $"""
            Hello{(string.IsNullOrWhiteSpace(name) ? string.Empty : " " + name)},

            {caller.Name ?? "An administrator"} invited you to GrocerySync Hub as {role}.
            Set your password here (the link works once, until {expires:yyyy-MM-dd HH:mm} UTC):

            {link}

            If you did not expect this invitation, ignore this message.
            """;
        try
        {
            await mailer.SendAsync(email, "Your invitation to GrocerySync Hub", text, ct);
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            HubLog.InviteMailFailed(log, e);
            return false;
        }
    }

    private static void Add(Dictionary<string, string[]> errors, string field, IdentityResult result)
    {
        foreach (var error in result.Errors)
        {
            var key = error.Code.StartsWith("Password", StringComparison.Ordinal) || error.Code == "CommonPassword" ? "password" : field;
            var message = error.Code is nameof(IdentityErrorDescriber.DuplicateEmail) or nameof(IdentityErrorDescriber.DuplicateUserName) ? "An account with this email exists already." : error.Description;
            errors[key] = errors.TryGetValue(key, out var messages) ? [.. messages.Append(message).Distinct()] : [message];
        }
    }
}
