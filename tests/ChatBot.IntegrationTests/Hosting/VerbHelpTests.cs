using ChatBot.IntegrationTests.Infrastructure;

namespace ChatBot.IntegrationTests.Hosting;

/// <summary>Every verb answers <c>--help</c> with what it takes (System.CommandLine's help), exit 0, and does nothing else.</summary>
public sealed class VerbHelpTests
{
    [Theory]
    [InlineData("simulate", "wecom-aibot (default), wecom-app or dingtalk")]
    [InlineData("forge-model", "tiny (default) or qwen2.5-0.5b")]
    [InlineData("doctor", "--json")]
    [InlineData("knowledge", "search")]
    [InlineData("audit", "--outcome")]
    [InlineData("quota", "reset")]
    public async Task Each_verb_prints_its_usage_and_exits_0(string verb, string expected)
    {
        // No bot runs at this URL: a simulate that sent anything would fail instead of printing its usage.
        string[] args = verb == "simulate" ? [verb, "--url", "http://127.0.0.1:9", "--help"] : [verb, "--help"];
        var (output, error, exit) = await BotProcess.RunVerbAsync(new Dictionary<string, string?>(), args);
        Assert.True(exit == 0, $"{verb}: exit {exit}: {output} {error}");
        Assert.Contains(expected, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_option_is_refused_with_exit_2_and_named()
    {
        var (_, error, exit) = await BotProcess.RunVerbAsync(new Dictionary<string, string?>(), "audit", "--usr", "lisi");
        Assert.Equal(2, exit);
        Assert.Contains("--usr", error, StringComparison.Ordinal);
    }
}
