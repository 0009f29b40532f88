using System.Net;
using ChatBot.IntegrationTests.Infrastructure;
using ChatBot.Tests.Shared;

namespace ChatBot.IntegrationTests.Observability;

/// <summary>
/// A normal start, probed as an orchestrator probes it: <c>/readyz</c> answers 503 "Starting" while the model loads,
/// and the log says so once at information level — never an error line per probe.
/// </summary>
public sealed class QuietStartTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("chatbot-quiet").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task A_start_polled_every_10_ms_logs_no_error_and_readyz_says_starting_until_the_model_is_loaded()
    {
        var settings = BotProcess.LocalSettings(_folder);
        settings["Inference:ModelPath"] = TestModels.Wide; // ~83 MB: a load that probes can see
        settings["Audit:Folder"] = Path.Combine(_folder, "audit");
        // The load begins before Kestrel listens, so on a busy machine it can end before the first probe is answered
        // (seen once in a full run). That start shows nothing about the Starting state: it is tried again, twice at most.
        for (var attempt = 1; ; attempt++)
        {
            using var bot = BotProcess.Start(settings, _folder);
            var starting = await ProbeUntilReadyAsync(bot);
            if (starting == 0 && attempt < 3)
            {
                continue;
            }

            Assert.True(starting > 0, $"the probes never saw the model loading in {attempt} starts");
            await Pipeline.QuotaIntakeTests.WaitUntil(() => bot.Output.Any(l => l.Contains("Local inference ready", StringComparison.Ordinal)), 10);
            var lines = bot.Output.ToArray();
            Assert.DoesNotContain(lines, l => l.StartsWith("fail:", StringComparison.Ordinal) || l.StartsWith("crit:", StringComparison.Ordinal));
            Assert.Single(lines, l => l.Contains("Loading the model", StringComparison.Ordinal));
            return;
        }
    }

    /// <summary>Polls <c>/readyz</c> every 10 ms until it is ready; every answer before that must be 503 Starting. How many there were.</summary>
    private static async Task<int> ProbeUntilReadyAsync(BotProcess bot)
    {
        using var http = new HttpClient { BaseAddress = bot.BaseUrl, Timeout = TimeSpan.FromSeconds(5) };
        var (starting, deadline) = (0, DateTime.UtcNow.AddSeconds(90));
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var response = await http.GetAsync(new Uri("/readyz", UriKind.Relative));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return starting;
                }

                Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
                var body = await response.Content.ReadAsStringAsync();
                Assert.Contains("\"status\":\"Starting\"", body, StringComparison.Ordinal);
                Assert.Contains("loading the model", body, StringComparison.Ordinal);
                starting++;
            }
            catch (HttpRequestException)
            {
                // Kestrel not listening yet.
            }

            await Task.Delay(10);
        }

        Assert.Fail("/readyz was not ready within 90 s");
        return starting;
    }
}
