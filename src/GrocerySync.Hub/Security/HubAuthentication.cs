using GrocerySync.Hub.Data.Entities;
using GrocerySync.Hub.Tenancy;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace GrocerySync.Hub.Security;

/// <summary>
/// Identity (passwords, lockout, TOTP), and how a caller proves who they are: an <c>Authorization: Bearer</c>
/// access token for the API, else the browser's session cookie. The <see cref="Scheme"/> policy scheme picks one
/// per request. Both are checked against the user's current state by <see cref="SessionValidator"/>.
/// </summary>
internal static class HubAuthentication
{
    /// <summary>The default scheme: forwards to JWT bearer when the request carries a bearer token, else to the cookie.</summary>
    public const string Scheme = "Hub";

    public const string SessionCookie = "gs.session";
    public const string TwoFactorCookie = "gs.2fa";

    public static IServiceCollection AddHubAuthentication(this IServiceCollection services, IHostEnvironment environment, HubOptions hub)
    {
        services.AddIdentityCore<HubUser>(o =>
            {
                o.User.RequireUniqueEmail = true;
                o.Password.RequiredLength = 12;
                o.Lockout.MaxFailedAccessAttempts = 5;
                o.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(15);
                o.Lockout.AllowedForNewUsers = true;
                o.ClaimsIdentity.UserIdClaimType = HubClaims.UserId;
                o.ClaimsIdentity.UserNameClaimType = HubClaims.Name;
                o.ClaimsIdentity.RoleClaimType = HubClaims.Role;
                o.ClaimsIdentity.SecurityStampClaimType = HubClaims.SecurityStamp;
            })
            .AddPasswordValidator<CommonPasswordValidator>()
            .AddUserStore<HubUserStore>()
            .AddTokenProvider<AuthenticatorTokenProvider<HubUser>>(TokenOptions.DefaultAuthenticatorProvider)
            .AddClaimsPrincipalFactory<HubClaimsPrincipalFactory>();
        services.AddMemoryCache();
        services.AddSingleton<SessionValidator>();
        services.AddSingleton<SigningKey>();
        services.AddScoped<TokenService>();

        // Cookies are Secure wherever the hub is served over TLS; a development or demo hub on plain http://localhost keeps working.
        var secure = environment.IsDevelopment() || hub.Demo ? CookieSecurePolicy.SameAsRequest : CookieSecurePolicy.Always;
        services.AddAuthentication(Scheme)
            .AddPolicyScheme(Scheme, "Bearer token or session cookie", o => o.ForwardDefaultSelector = context =>
                context.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
                    ? JwtBearerDefaults.AuthenticationScheme
                    : IdentityConstants.ApplicationScheme)
            .AddJwtBearer()
            .AddCookie(IdentityConstants.ApplicationScheme, o =>
            {
                o.Cookie.Name = SessionCookie;
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Strict;
                o.Cookie.SecurePolicy = secure;
                o.ExpireTimeSpan = TimeSpan.FromHours(8);
                o.SlidingExpiration = true;
                o.LoginPath = "/account/sign-in";
                o.LogoutPath = "/account/sign-out";
                o.AccessDeniedPath = "/account/access-denied";
                o.Events = new CookieAuthenticationEvents
                {
                    OnValidatePrincipal = async context =>
                    {
                        var sessions = context.HttpContext.RequestServices.GetRequiredService<SessionValidator>();
                        if (context.Principal is null || !await sessions.IsCurrentAsync(context.Principal, context.HttpContext.RequestAborted))
                        {
                            context.RejectPrincipal();
                            await context.HttpContext.SignOutAsync(IdentityConstants.ApplicationScheme);
                        }
                    },
                    // The API answers 401/403; only pages redirect to the sign-in page.
                    OnRedirectToLogin = context => ApiOr(context, StatusCodes.Status401Unauthorized),
                    OnRedirectToAccessDenied = context => ApiOr(context, StatusCodes.Status403Forbidden),
                };
            })
            .AddCookie(IdentityConstants.TwoFactorUserIdScheme, o =>
            {
                // Between the password and the second factor of a browser sign-in: five minutes, nothing else.
                o.Cookie.Name = TwoFactorCookie;
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Strict;
                o.Cookie.SecurePolicy = secure;
                o.ExpireTimeSpan = TimeSpan.FromMinutes(5);
                o.SlidingExpiration = false;
            });
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<IOptions<HubOptions>, SigningKey>((jwt, options, key) =>
            {
                jwt.MapInboundClaims = false;
                jwt.TokenValidationParameters = TokenService.ValidationParameters(options.Value.Auth, key);
                jwt.Events = new JwtBearerEvents
                {
                    OnTokenValidated = async context =>
                    {
                        var sessions = context.HttpContext.RequestServices.GetRequiredService<SessionValidator>();
                        if (context.Principal is null || !await sessions.IsCurrentAsync(context.Principal, context.HttpContext.RequestAborted))
                        {
                            context.Fail("The session ended: the user was disabled or signed out everywhere, or their two-factor settings changed.");
                        }
                    },
                };
            });
        return services;
    }

    private static Task ApiOr(Microsoft.AspNetCore.Authentication.RedirectContext<CookieAuthenticationOptions> context, int status)
    {
        if (context.Request.Path.StartsWithSegments("/api"))
        {
            context.Response.StatusCode = status;
            if (status == StatusCodes.Status401Unauthorized)
            {
                context.Response.Headers.WWWAuthenticate = JwtBearerDefaults.AuthenticationScheme;
            }
        }
        else
        {
            context.Response.Redirect(context.RedirectUri);
        }

        return Task.CompletedTask;
    }
}
