using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace GrocerySync.Hub.Api;

/// <summary>
/// Two requests racing for the same row or name pass the services' checks together; the database's
/// constraints decide, and the loser gets a 409 that says what to do, not a 500.
/// </summary>
internal sealed class DbUpdateExceptionHandler(IProblemDetailsService problemDetails) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var detail = exception switch
        {
            DbUpdateConcurrencyException => "The item was changed or deleted by someone else at the same time. Read it again and reapply your change.",
            DbUpdateException { InnerException: PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } }
                or DbUpdateException { InnerException: SqliteException { SqliteErrorCode: 19, SqliteExtendedErrorCode: 2067 or 1555 } } =>
                "An item with the same unique value (such as its name) was created at the same time. Choose another value or read the list again.",
            DbUpdateException { InnerException: PostgresException { SqlState: PostgresErrorCodes.ForeignKeyViolation } }
                or DbUpdateException { InnerException: SqliteException { SqliteErrorCode: 19, SqliteExtendedErrorCode: 787 } } =>
                "The change refers to an item that was removed at the same time, or removes an item that is still in use.",
            _ => null,
        };
        if (detail is null)
        {
            return false;
        }

        httpContext.Response.StatusCode = StatusCodes.Status409Conflict;
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails = new ProblemDetails { Status = StatusCodes.Status409Conflict, Title = "Conflict", Detail = detail },
            Exception = exception,
        });
    }
}
