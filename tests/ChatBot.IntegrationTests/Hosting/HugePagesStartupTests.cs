using ChatBot.IntegrationTests.Infrastructure;
using ChatBot.IntegrationTests.Pipeline;
using ChatBot.Tests.Shared;

namespace ChatBot.IntegrationTests.Hosting;

/// <summary>
/// The weights are read into memory at start and moved onto huge pages once start-up's burst is over: after the
/// warm-up question, or as soon as the host has started without one. A model above glibc's mmap threshold, as every
/// real one is (TestModels.Wide).
/// </summary>
public sealed class HugePagesStartupTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task The_weights_move_onto_huge_pages_once_start_up_is_over(bool warmUp)
    {
        using var app = new ChatBotApp().With("Inference:ModelPath", TestModels.Wide).With("Inference:WarmUp", warmUp ? "true" : "false");
        app.Start();

        await QuotaIntakeTests.WaitUntil(() => app.Logs.Lines.Any(l => l.EventId is 4202 or 4203), 60);
        var lines = app.Logs.Lines.ToList();
        Assert.Contains("read into memory", lines.Single(l => l.EventId == 4200).Line, StringComparison.Ordinal);
        var moved = lines.FindIndex(l => l.EventId == 4202);
        Assert.True(moved >= 0, lines.FirstOrDefault(l => l.EventId == 4203).Line);
        Assert.Matches(@"huge pages: [1-9]\d* MiB", lines[moved].Line);
        var warmedUp = lines.FindIndex(l => l.EventId == 4300);
        Assert.True(warmUp ? warmedUp >= 0 && moved > warmedUp : warmedUp < 0, $"warm-up logged at {warmedUp}, the move at {moved}");
    }
}
