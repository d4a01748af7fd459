namespace GrocerySync.Tests.Shared;

/// <summary>
/// Gate for tests that need an outside server (PostgreSQL, MariaDB, SFTP…). The server is
/// described by a <c>GS_TEST_*</c> environment variable that <c>.ci/services.sh</c> exports.
/// When the variable is unset the test is skipped, unless <c>GS_TEST_REQUIRE_SERVICES=1</c>
/// (CI sets it), in which case the test fails: CI must never skip silently.
/// </summary>
/// <remarks>Linked into each test project with <c>&lt;Compile Include="..\Shared\ServiceGate.cs" /&gt;</c>.</remarks>
internal static class ServiceGate
{
    public const string RequireServicesVariable = "GS_TEST_REQUIRE_SERVICES";

    /// <summary>Returns the value of <paramref name="variable"/>, or skips/fails the test when it is unset.</summary>
    public static string Require(string variable)
    {
        var value = Environment.GetEnvironmentVariable(variable);
        if (!string.IsNullOrWhiteSpace(value))
        {
            return value;
        }

        var message = $"{variable} is not set; start the test servers with `source .ci/services.sh`.";
        if (ServicesRequired)
        {
            Assert.Fail($"{message} {RequireServicesVariable}=1 makes this test mandatory.");
        }

        Assert.Skip(message);
        throw new InvalidOperationException(message); // Unreachable: Assert.Skip throws.
    }

    /// <summary>Returns the values of every variable in order, or skips/fails on the first unset one.</summary>
    public static string[] Require(params string[] variables) => [.. variables.Select(Require)];

    /// <summary>True when <c>GS_TEST_REQUIRE_SERVICES=1</c>: missing services fail instead of skipping.</summary>
    public static bool ServicesRequired =>
        Environment.GetEnvironmentVariable(RequireServicesVariable) == "1";
}
