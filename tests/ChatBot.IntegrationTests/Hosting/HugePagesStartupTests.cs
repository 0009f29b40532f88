using ChatBot.IntegrationTests.Infrastructure;
using ChatBot.IntegrationTests.Pipeline;

namespace ChatBot.IntegrationTests.Hosting;

/// <summary>The weights are read into memory at start and move onto huge pages once start-up's burst is over.</summary>
public sealed class HugePagesStartupTests
{
    [Fact]
    public async Task The_weights_move_onto_huge_pages_after_the_warm_up_question_has_been_answered()
    {
        using var app = new ChatBotApp();
        app.Start();

        await QuotaIntakeTests.WaitUntil(() => app.Logs.Lines.Any(l => l.EventId is 4202 or 4203), 60);
        var lines = app.Logs.Lines.ToList();
        Assert.Contains("read into memory", lines.Single(l => l.EventId == 4200).Line, StringComparison.Ordinal);
        var warmedUp = lines.FindIndex(l => l.EventId == 4300);
        var moved = lines.FindIndex(l => l.EventId == 4202);
        Assert.True(warmedUp >= 0 && moved > warmedUp, $"warm-up logged at {warmedUp}, the move at {moved}");
        Assert.Matches(@"huge pages: [1-9]\d* MiB", lines[moved].Line);
    }
}
