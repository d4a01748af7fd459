using GrocerySync.Hub.Features.Plugins;

namespace GrocerySync.Hub.Tests.Features.Plugins;

public sealed class SemanticVersionTests
{
    [Theory]
    [InlineData("1.0.0", "2.0.0")]
    [InlineData("1.9.0", "1.10.0")]
    [InlineData("1.0.9", "1.0.10")]
    [InlineData("1.0.0-alpha", "1.0.0")]
    [InlineData("1.0.0-alpha", "1.0.0-alpha.1")]
    [InlineData("1.0.0-alpha.1", "1.0.0-alpha.beta")]
    [InlineData("1.0.0-beta.2", "1.0.0-beta.11")]
    [InlineData("1.0.0-beta.11", "1.0.0-rc.1")]
    [InlineData("not-a-version", "0.0.1")]
    [InlineData("1.0", "0.0.1")]
    public void Lower_version_sorts_before_higher(string lower, string higher)
    {
        Assert.True(SemanticVersion.Compare(lower, higher) < 0);
        Assert.True(SemanticVersion.Compare(higher, lower) > 0);
    }

    [Fact]
    public void Build_metadata_does_not_change_precedence_but_keeps_a_stable_order()
    {
        Assert.True(SemanticVersion.Compare("1.0.0+001", "1.0.1") < 0);
        Assert.Equal(0, SemanticVersion.Compare("1.0.0+abc", "1.0.0+abc"));
    }

    [Fact]
    public void Newest_first_orders_releases_before_their_pre_releases()
    {
        string[] versions = ["1.0.0-rc.1", "0.9.0", "1.0.0", "1.10.0", "1.2.0"];

        Assert.Equal(["1.10.0", "1.2.0", "1.0.0", "1.0.0-rc.1", "0.9.0"], versions.Order(SemanticVersion.NewestFirst));
    }
}
