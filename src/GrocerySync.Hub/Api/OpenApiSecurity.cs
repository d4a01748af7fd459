using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace GrocerySync.Hub.Api;

/// <summary>Describes the API's bearer-token sign-in in the OpenAPI document, so Scalar can send a token.</summary>
internal sealed class BearerSecurityTransformer : IOpenApiDocumentTransformer
{
    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info.Title = "GrocerySync Hub API";
        document.Info.Version = "v1";
        document.Info.Description = "Sign in with POST /api/v1/auth/token, then send the access token as `Authorization: Bearer <token>`.";
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes = new Dictionary<string, IOpenApiSecurityScheme>
        {
            ["Bearer"] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                BearerFormat = "JWT",
                Description = "A 15-minute access token from POST /api/v1/auth/token.",
            },
        };
        document.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("Bearer", document)] = [] }];
        return Task.CompletedTask;
    }
}
