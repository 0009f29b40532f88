using ChatBot.IntegrationTests.Infrastructure;

namespace ChatBot.IntegrationTests.Hosting;

/// <summary>Every verb answers <c>--help</c> with what it takes, exit 0, and does nothing else.</summary>
public sealed class VerbHelpTests
{
    [Theory]
    [InlineData("simulate", "--platform wecom-aibot|wecom-app|dingtalk")]
    [InlineData("forge-model", "--shape tiny|qwen2.5-0.5b")]
    [InlineData("doctor", "--json")]
    [InlineData("knowledge", "search")]
    [InlineData("audit", "--outcome")]
    [InlineData("quota", "reset")]
    public async Task Each_verb_prints_its_usage_and_exits_0(string verb, string expected)
    {
        // No bot runs at this URL: a simulate that sent anything would fail instead of printing its usage.
        var (output, error, exit) = await BotProcess.RunVerbAsync(new Dictionary<string, string?>(), verb, "--url", "http://127.0.0.1:9", "--help");
        Assert.True(exit == 0, $"{verb}: exit {exit}: {output} {error}");
        Assert.Contains(expected, output, StringComparison.Ordinal);
    }
}
