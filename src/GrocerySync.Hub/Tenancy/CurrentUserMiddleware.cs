namespace GrocerySync.Hub.Tenancy;

internal static class CurrentUserMiddleware
{
    /// <summary>Fills the scoped <see cref="CurrentUser"/> from the authenticated principal, once per request.</summary>
    public static IApplicationBuilder UseCurrentUser(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            context.RequestServices.GetRequiredService<CurrentUser>().SetUser(context.User);
            await next(context);
        });
}
