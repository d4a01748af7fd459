using System.Net;
using System.Net.Http.Json;
using GrocerySync.Contracts;
using GrocerySync.Hub.Data;
using GrocerySync.Hub.Data.Entities;
using GrocerySync.Hub.Features.Users;
using GrocerySync.Hub.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace GrocerySync.Hub.Tests.Features.Users;

public sealed class UsersApiTests(HubApps apps)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string NewEmail() => $"user-{Guid.NewGuid():N}@store.example";

    private static string StrongPassword() => $"Fresh-Basil-{Guid.NewGuid():N}"[..28] + "-7Q";

    [Theory, DatabaseData]
    public async Task Retailer_admin_creates_a_technician_who_can_sign_in(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();
        var email = NewEmail();
        var password = StrongPassword();

        var response = await tenant.Admin.Client.PostAsJsonAsync("/api/v1/users", new { email, displayName = "Night shift tech", role = "Technician", password }, Ct);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var json = await response.Content.ReadAsStringAsync(Ct);
        foreach (var hidden in new[] { password, "passwordHash", "securityStamp", "concurrencyStamp" })
        {
            Assert.DoesNotContain(hidden, json, StringComparison.OrdinalIgnoreCase);
        }

        var user = (await response.Content.ReadFromJsonAsync<UserDto>(Ct))!;
        Assert.Equal((tenant.RetailerId, email, HubRole.Technician, false), (user.RetailerId, user.Email, user.Role, user.Disabled));
        Assert.Equal(HttpStatusCode.OK, await SignInAsync(app, email, password));

        var list = await tenant.Admin.Client.GetStringAsync("/api/v1/users?search=NIGHT SHIFT", Ct);
        Assert.DoesNotContain("passwordHash", list, StringComparison.OrdinalIgnoreCase);
        var page = await tenant.Admin.Client.GetFromJsonAsync<PagedResult<UserDto>>("/api/v1/users?search=NIGHT SHIFT", Ct);
        Assert.Equal(user.Id, Assert.Single(page!.Items).Id);
        var technicians = await tenant.Admin.Client.GetFromJsonAsync<PagedResult<UserDto>>("/api/v1/users?role=Technician&ordering=-createdAt", Ct);
        Assert.Equal([user.Id, tenant.Technician.Id], technicians!.Items.Select(u => u.Id));
    }

    [Theory, DatabaseData]
    public async Task Bad_user_input_answers_400_with_field_errors(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();
        var other = await app.CreateTenantAsync();
        var client = tenant.Admin.Client;

        var weak = await client.PostAsJsonAsync("/api/v1/users", new { email = NewEmail(), displayName = "Weak", role = "Technician", password = "short" }, Ct);
        Assert.NotEmpty((await weak.ReadFieldErrorsAsync())["password"]);

        var shape = await client.PostAsJsonAsync("/api/v1/users", new { email = "not-an-email", displayName = new string('d', 201), role = "Technician", password = StrongPassword() }, Ct);
        var errors = await shape.ReadFieldErrorsAsync();
        Assert.Contains("email", errors.Keys, StringComparer.OrdinalIgnoreCase);
        Assert.Contains("displayName", errors.Keys, StringComparer.OrdinalIgnoreCase);

        var missing = await client.PostAsJsonAsync("/api/v1/users", new { email = NewEmail() }, Ct);
        var missingErrors = await missing.ReadFieldErrorsAsync();
        Assert.All(new[] { "displayName", "role", "password" }, field => Assert.Contains(field, missingErrors.Keys, StringComparer.OrdinalIgnoreCase));

        var role = await client.PostAsJsonAsync("/api/v1/users", new { email = NewEmail(), displayName = "x", role = "Overlord", password = StrongPassword() }, Ct);
        Assert.Contains("role", (await role.ReadFieldErrorsAsync()).Keys, StringComparer.OrdinalIgnoreCase);

        // Emails are unique across retailers, even where the caller cannot see the other account.
        var taken = await client.PostAsJsonAsync("/api/v1/users", new { email = other.Technician.Email, displayName = "x", role = "Technician", password = StrongPassword() }, Ct);
        Assert.Contains("exists already", Assert.Single((await taken.ReadFieldErrorsAsync())["email"]), StringComparison.Ordinal);
        var takenHere = await client.PostAsJsonAsync("/api/v1/users", new { email = tenant.Technician.Email, displayName = "x", role = "Technician", password = StrongPassword() }, Ct);
        Assert.Contains("exists already", Assert.Single((await takenHere.ReadFieldErrorsAsync())["email"]), StringComparison.Ordinal);
    }

    [Theory, DatabaseData]
    public async Task Retailer_admin_cannot_create_or_promote_a_platform_admin(DatabaseProvider provider)
    {
        var tenant = await (await apps.GetAsync(provider)).CreateTenantAsync();
        var client = tenant.Admin.Client;
        var email = NewEmail();

        var create = await client.PostAsJsonAsync("/api/v1/users", new { email, displayName = "Boss", role = "PlatformAdmin", password = StrongPassword() }, Ct);
        Assert.Contains("Only a platform admin", Assert.Single((await create.ReadFieldErrorsAsync())["role"]), StringComparison.Ordinal);

        var technician = await client.GetFromJsonAsync<UserDto>($"/api/v1/users/{tenant.Technician.Id}", Ct);
        var promote = await client.PutAsJsonAsync($"/api/v1/users/{technician!.Id}", new { displayName = technician.DisplayName, role = "PlatformAdmin", version = technician.Version }, Ct);
        Assert.Contains("Only a platform admin", Assert.Single((await promote.ReadFieldErrorsAsync())["role"]), StringComparison.Ordinal);

        var stored = await tenant.App.QueryDbAsync(db => db.Users.AsNoTracking().SingleAsync(u => u.Id == technician.Id, Ct));
        Assert.Equal(HubRole.Technician, stored.Role);
        Assert.False(await tenant.App.QueryDbAsync(db => db.Users.AnyAsync(u => u.Email == email, Ct)));
    }

    [Theory, DatabaseData]
    public async Task Retailer_admin_promotes_a_technician_and_disables_a_user(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();
        var technician = (await tenant.Admin.Client.GetFromJsonAsync<UserDto>($"/api/v1/users/{tenant.Technician.Id}", Ct))!;

        var promoted = await tenant.Admin.Client.PutAsJsonAsync($"/api/v1/users/{technician.Id}", new { displayName = "Lead tech", role = "RetailerAdmin", version = technician.Version }, Ct);
        Assert.Equal(HttpStatusCode.OK, promoted.StatusCode);
        var dto = (await promoted.Content.ReadFromJsonAsync<UserDto>(Ct))!;
        Assert.Equal(("Lead tech", HubRole.RetailerAdmin, technician.Version + 1), (dto.DisplayName, dto.Role, dto.Version));

        var stale = await tenant.Admin.Client.PutAsJsonAsync($"/api/v1/users/{technician.Id}", new { displayName = "x", role = "Technician", disabled = true, version = technician.Version }, Ct);
        await stale.ReadProblemDetailAsync(HttpStatusCode.Conflict);

        var disabled = await tenant.Admin.Client.PutAsJsonAsync($"/api/v1/users/{technician.Id}", new { displayName = "Lead tech", role = "RetailerAdmin", disabled = true, version = dto.Version }, Ct);
        Assert.True((await disabled.Content.ReadFromJsonAsync<UserDto>(Ct))!.Disabled);
        Assert.Equal(HttpStatusCode.Unauthorized, await SignInAsync(app, tenant.Technician.Email, HubApp.Password));
        var refresh = await app.CreateClient().PostAsJsonAsync("/api/v1/auth/refresh", new { refreshToken = tenant.Technician.Tokens.RefreshToken }, Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, refresh.StatusCode);
    }

    [Theory, DatabaseData]
    public async Task Nobody_changes_their_own_role_or_disables_or_deletes_themselves(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();
        var platformAdmin = await app.CreateUserAsync(HubRole.PlatformAdmin, retailerId: null);

        foreach (var (caller, demotion) in new[] { (tenant.Admin, "Technician"), (platformAdmin, "RetailerAdmin") })
        {
            var self = (await caller.Client.GetFromJsonAsync<UserDto>($"/api/v1/users/{caller.Id}", Ct))!;

            var role = await caller.Client.PutAsJsonAsync($"/api/v1/users/{self.Id}", new { displayName = self.DisplayName, role = demotion, version = self.Version }, Ct);
            Assert.Contains("your own role", Assert.Single((await role.ReadFieldErrorsAsync())["role"]), StringComparison.Ordinal);

            var disable = await caller.Client.PutAsJsonAsync($"/api/v1/users/{self.Id}", new { displayName = self.DisplayName, role = self.Role, disabled = true, version = self.Version }, Ct);
            Assert.Contains("disable your own", Assert.Single((await disable.ReadFieldErrorsAsync())["disabled"]), StringComparison.Ordinal);

            var delete = await caller.Client.DeleteAsync($"/api/v1/users/{self.Id}", Ct);
            Assert.Contains("delete your own", Assert.Single((await delete.ReadFieldErrorsAsync()).Values.SelectMany(v => v)), StringComparison.Ordinal);

            var rename = await caller.Client.PutAsJsonAsync($"/api/v1/users/{self.Id}", new { displayName = "Still me", role = self.Role, version = self.Version }, Ct);
            Assert.Equal(HttpStatusCode.OK, rename.StatusCode);
            var stored = await app.QueryDbAsync(db => db.Users.AsNoTracking().SingleAsync(u => u.Id == self.Id, Ct));
            Assert.Equal(("Still me", self.Role, false), (stored.DisplayName, stored.Role, stored.Disabled));
        }
    }

    [Theory, DatabaseData]
    public async Task Users_of_another_retailer_answer_404(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();
        var other = await app.CreateTenantAsync();
        var client = tenant.Admin.Client;
        var foreign = other.Technician.Id;

        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/v1/users/{foreign}", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.PutAsJsonAsync($"/api/v1/users/{foreign}", new { displayName = "x", role = "Technician", disabled = true, version = 1 }, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.DeleteAsync($"/api/v1/users/{foreign}", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/v1/users/{app.PlatformAdmin.Id}", Ct)).StatusCode);
        Assert.Empty((await client.GetFromJsonAsync<PagedResult<UserDto>>($"/api/v1/users?retailerId={other.RetailerId}", Ct))!.Items);
        Assert.Empty((await client.GetFromJsonAsync<PagedResult<UserDto>>("/api/v1/users?role=PlatformAdmin", Ct))!.Items);

        var intoOther = await client.PostAsJsonAsync("/api/v1/users", new { email = NewEmail(), displayName = "x", role = "Technician", password = StrongPassword(), retailerId = other.RetailerId }, Ct);
        Assert.Contains("retailerId", (await intoOther.ReadFieldErrorsAsync()).Keys, StringComparer.OrdinalIgnoreCase);
        var stored = await app.QueryDbAsync(db => db.Users.AsNoTracking().SingleAsync(u => u.Id == foreign, Ct));
        Assert.False(stored.Disabled);
    }

    [Theory, DatabaseData]
    public async Task Technician_cannot_manage_users(DatabaseProvider provider)
    {
        var tenant = await (await apps.GetAsync(provider)).CreateTenantAsync();
        var client = tenant.Technician.Client;

        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("/api/v1/users", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync($"/api/v1/users/{tenant.Technician.Id}", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.PostAsJsonAsync("/api/v1/users", new { email = NewEmail(), displayName = "x", role = "RetailerAdmin", password = StrongPassword() }, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.PutAsJsonAsync($"/api/v1/users/{tenant.Technician.Id}", new { displayName = "x", role = "RetailerAdmin", version = 1 }, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.DeleteAsync($"/api/v1/users/{tenant.Admin.Id}", Ct)).StatusCode);
    }

    [Theory, DatabaseData]
    public async Task Platform_admin_creates_platform_admins_without_a_retailer_and_retailer_users_with_one(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();
        var client = app.PlatformAdmin.Client;

        var withRetailer = await client.PostAsJsonAsync("/api/v1/users", new { email = NewEmail(), displayName = "x", role = "PlatformAdmin", password = StrongPassword(), retailerId = tenant.RetailerId }, Ct);
        Assert.Contains("retailerId", (await withRetailer.ReadFieldErrorsAsync()).Keys, StringComparer.OrdinalIgnoreCase);
        var withoutRetailer = await client.PostAsJsonAsync("/api/v1/users", new { email = NewEmail(), displayName = "x", role = "Technician", password = StrongPassword() }, Ct);
        Assert.Contains("retailerId", (await withoutRetailer.ReadFieldErrorsAsync()).Keys, StringComparer.OrdinalIgnoreCase);

        var email = NewEmail();
        var password = StrongPassword();
        var admin = await client.PostAsJsonAsync("/api/v1/users", new { email, displayName = "Second operator", role = "PlatformAdmin", password }, Ct);
        Assert.Equal(HttpStatusCode.Created, admin.StatusCode);
        var dto = (await admin.Content.ReadFromJsonAsync<UserDto>(Ct))!;
        Assert.Equal((HubRole.PlatformAdmin, (Guid?)null), (dto.Role, dto.RetailerId));
        // The password is right, and a platform admin must enroll two-factor sign-in before getting a session.
        Assert.Equal(HttpStatusCode.Forbidden, await SignInAsync(app, email, password));

        var storeUser = await client.PostAsJsonAsync("/api/v1/users", new { email = NewEmail(), displayName = "Store admin", role = "RetailerAdmin", password = StrongPassword(), retailerId = tenant.RetailerId }, Ct);
        var storeDto = (await storeUser.Content.ReadFromJsonAsync<UserDto>(Ct))!;
        Assert.Equal(tenant.RetailerId, storeDto.RetailerId);

        // A role change may not move an account between the platform and a retailer.
        var promote = await client.PutAsJsonAsync($"/api/v1/users/{storeDto.Id}", new { displayName = "x", role = "PlatformAdmin", version = storeDto.Version }, Ct);
        Assert.Contains("role", (await promote.ReadFieldErrorsAsync()).Keys, StringComparer.OrdinalIgnoreCase);

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/v1/users/{dto.Id}", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/v1/users/{dto.Id}", Ct)).StatusCode);
    }

    [Theory, DatabaseData]
    public async Task Retailer_admin_deletes_a_user_of_their_retailer(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();

        Assert.Equal(HttpStatusCode.NoContent, (await tenant.Admin.Client.DeleteAsync($"/api/v1/users/{tenant.Technician.Id}", Ct)).StatusCode);

        Assert.Equal(HttpStatusCode.NotFound, (await tenant.Admin.Client.GetAsync($"/api/v1/users/{tenant.Technician.Id}", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, await SignInAsync(app, tenant.Technician.Email, HubApp.Password));
    }

    private static async Task<HttpStatusCode> SignInAsync(HubApp app, string email, string password) =>
        (await app.CreateClient().PostAsJsonAsync("/api/v1/auth/token", new { email, password }, Ct)).StatusCode;
}
