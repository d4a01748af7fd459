namespace GrocerySync.Hub.Security;

/// <summary>
/// Headers every answer carries: no sniffing, no framing, no referrer leaks, and a content security policy under
/// which only scripts carrying this response's nonce run (Blazor's own script tag carries it; nothing inline does).
/// The API reference at /docs renders with an inline bootstrap script and styles, so it gets a policy of its own.
/// </summary>
internal static class SecurityHeaders
{
    // Scalar renders with inline styles and an inline bootstrap script; the page holds no user data.
    private const string ApiReferencePolicy =
        "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
        "connect-src 'self'; font-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

    public static string Policy(string nonce) =>
        $"default-src 'self'; script-src 'nonce-{nonce}'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            context.Response.OnStarting(() =>
            {
                var headers = context.Response.Headers;
                headers.XContentTypeOptions = "nosniff";
                headers.XFrameOptions = "DENY";
                headers["Referrer-Policy"] = "no-referrer";
                headers["Cross-Origin-Opener-Policy"] = "same-origin";
                headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()";
                headers.ContentSecurityPolicy = context.Request.Path.StartsWithSegments("/docs")
                    ? ApiReferencePolicy
                    : Policy(context.RequestServices.GetRequiredService<CspNonce>().Value);
                return Task.CompletedTask;
            });
            await next(context);
        });
}
