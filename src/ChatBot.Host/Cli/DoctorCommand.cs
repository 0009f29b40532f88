using System.CommandLine;
using System.Text.Json;
using ChatBot.Core.Queue;
using ChatBot.DingTalk;
using ChatBot.DingTalk.Api;
using ChatBot.Host.Cli.Doctor;
using ChatBot.Host.Demo;
using ChatBot.Host.Hosting;
using ChatBot.Inference;
using ChatBot.WeCom;
using ChatBot.WeCom.Api;
using Microsoft.Extensions.Options;

namespace ChatBot.Host.Cli;

/// <summary>
/// <c>doctor</c>: reads the same settings as the bot and checks what makes "received but no reply" — each with a
/// plain verdict and the fix. Settings valid; each channel's keys and a round trip of its own crypto; API hosts
/// reachable; access tokens obtainable (40001, 40013, 60020 explained); an app where group @-mentions need the AI
/// bot; Redis reachable, its version and persistence; the model file; the admin files; memory for the model.
/// Exit 1 when anything fails; <c>--json</c> for scripts.
/// </summary>
internal static class DoctorCommand
{
    public static Command Create()
    {
        var json = CliVerbs.Flag("json", "the findings as JSON, for scripts");
        Command command = new("doctor", "Check the settings, each channel's keys, platform access and tokens, Redis, the model file and the admin files, with a verdict and the fix for each; exit 1 when anything fails.")
        {
            json,
        };

        // Anything else on the line is configuration for the bot being checked (--Inference:ModelPath=…), as for the bot.
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction((result, _) => RunAsync([.. result.UnmatchedTokens], result.GetValue(json)));
        return command;
    }

    public static async Task<int> RunAsync(string[] args, bool json)
    {
        var findings = new List<Finding>();
        WebApplication? app = null;
        var stdout = Console.Out;
        try
        {
            // The bot's own start-up prints (the demo banner) are not the doctor's report.
            Console.SetOut(TextWriter.Null);
            app = BotHost.Build(args, builder => builder.Logging.ClearProviders());
            findings.Add(new("settings", Verdict.Pass, "every option is valid"));
        }
        catch (Exception error) when (StartupFailure.IsConfigurationProblem(error))
        {
            findings.AddRange(StartupFailure.ProblemsOf(error).Select(p => new Finding("settings", Verdict.Fail, p, "set it as appsettings.template.json documents it")));
        }
        finally
        {
            Console.SetOut(stdout);
        }

        if (app is not null)
        {
            await using (app)
            {
                await CheckAsync(app.Services, findings);
            }
        }

        Print(findings, json);
        return findings.Any(f => f.Verdict == Verdict.Fail) ? 1 : 0;
    }

    private static async Task CheckAsync(IServiceProvider services, List<Finding> findings)
    {
        var configuration = services.GetRequiredService<IConfiguration>();
        var demo = DemoProfile.IsEnabled(configuration);
        var wecom = services.GetRequiredService<IOptions<WeComOptions>>().Value;
        var dingtalk = services.GetRequiredService<IOptions<DingTalkOptions>>().Value;

        if (wecom.AiBot.Enabled && wecom.AiBot.Mode == WeComAiBotMode.Callback)
        {
            findings.Add(ChannelKeysCheck.Run("wecom-aibot keys", wecom.AiBot.Token, wecom.AiBot.EncodingAesKey, ""));
        }

        if (wecom.App.Enabled)
        {
            findings.Add(ChannelKeysCheck.Run("wecom-app keys", wecom.App.Token, wecom.App.EncodingAesKey, wecom.App.CorpId));
            if (!wecom.AiBot.Enabled)
            {
                findings.Add(new("group @-mentions", Verdict.Warn, "only the self-built app is configured: apps receive no group messages, so an @-mention in a group never reaches the bot",
                    "configure the AI bot (WeCom:AiBot:*) for groups; the app serves direct messages"));
            }
        }

        if (!wecom.AiBot.Enabled && !wecom.App.Enabled && !dingtalk.Enabled)
        {
            findings.Add(new("channels", Verdict.Warn, "every channel is off: the bot answers nobody", "set a channel's secrets (see appsettings.template.json), or Demo:Enabled=true to try it locally"));
        }

        if (demo)
        {
            findings.Add(new("platform APIs", Verdict.Skip, "demo profile: answers go to the local outbox, no platform is called"));
        }
        else
        {
            if (wecom.App.Enabled)
            {
                findings.Add(await ApiHostCheck.RunAsync("wecom api host", wecom.ApiBaseUrl));
                findings.Add(await TokenCheck.RunAsync("wecom-app token", () => services.GetRequiredService<WeComApiClient>().TokenAsync(CancellationToken.None), TokenCheck.WeComHelp));
            }

            if (dingtalk.Enabled)
            {
                findings.Add(await ApiHostCheck.RunAsync("dingtalk api host", dingtalk.ApiBaseUrl));
                findings.Add(await TokenCheck.RunAsync("dingtalk token", () => services.GetRequiredService<DingTalkApiClient>().TokenAsync(CancellationToken.None),
                    _ => "check DingTalk:ClientId and DingTalk:ClientSecret (the app's AppKey and AppSecret)"));
            }
        }

        findings.Add(await RedisCheck.RunAsync(services));
        if (services.GetRequiredService<IOptions<QueueOptions>>().Value.RunWorkers)
        {
            findings.Add(ModelCheck.Run(services.GetRequiredService<IOptions<InferenceOptions>>().Value));
            findings.Add(HugePagesCheck.Run(services.GetRequiredService<IOptions<InferenceOptions>>().Value));
        }
        else
        {
            findings.Add(new("model", Verdict.Skip, "intake-only instance (Queue:RunWorkers=false): no model is loaded; the workers answer"));
        }
        findings.AddRange(AdminFilesCheck.Run(services));
    }

    private static void Print(List<Finding> findings, bool json)
    {
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(findings.Select(f => new { check = f.Check, verdict = f.Verdict.ToString().ToLowerInvariant(), detail = f.Detail, fix = f.Fix }),
                new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
            return;
        }

        var width = findings.Max(f => f.Check.Length);
        foreach (var f in findings)
        {
            Console.WriteLine($"{f.Verdict.ToString().ToUpperInvariant(),-4}  {f.Check.PadRight(width)}  {f.Detail}");
            if (f.Fix is not null && f.Verdict is Verdict.Fail or Verdict.Warn)
            {
                Console.WriteLine($"      {new string(' ', width)}  → {f.Fix}");
            }
        }

        var failed = findings.Count(f => f.Verdict == Verdict.Fail);
        Console.WriteLine(failed == 0 ? "doctor: nothing wrong found." : $"doctor: {failed} problem{(failed == 1 ? "" : "s")} to fix.");
    }
}
