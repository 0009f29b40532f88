using System.Diagnostics;
using YamlDotNet.RepresentationModel;

namespace ChatBot.IntegrationTests.Hosting;

/// <summary>The alert rules, run by Prometheus' own rule unit tests (promtool, from Debian's prometheus package).</summary>
public sealed partial class DeployManifestTests
{
    private static string ComposeFolder => Path.Combine(Deploy, "compose");

    [Fact]
    public async Task The_alert_rules_pass_promtool_check_and_their_unit_tests()
    {
        var (checkOutput, checkExit) = await PromtoolAsync("check", "rules", "alerts.yml");
        Assert.True(checkExit == 0, checkOutput);
        var (testOutput, testExit) = await PromtoolAsync("test", "rules", "alerts.test.yml");
        Assert.True(testExit == 0, testOutput);
        Assert.Contains("SUCCESS", testOutput, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_alert_has_unit_tests_that_see_it_fire_and_stay_quiet()
    {
        var rules = new YamlStream();
        rules.Load(new StringReader(File.ReadAllText(Path.Combine(ComposeFolder, "alerts.yml"))));
        var alerts = ((YamlSequenceNode)rules.Documents[0].RootNode["groups"][0]["rules"]).Select(r => r["alert"].ToString()).ToList();
        var tests = new YamlStream();
        tests.Load(new StringReader(File.ReadAllText(Path.Combine(ComposeFolder, "alerts.test.yml"))));
        var cases = ((YamlSequenceNode)tests.Documents[0].RootNode["tests"]).SelectMany(t => (YamlSequenceNode)t["alert_rule_test"]).Cast<YamlMappingNode>()
            .Select(c => (Alert: c["alertname"].ToString(), Fires: ((YamlSequenceNode)c["exp_alerts"]).Children.Count > 0)).ToList();

        Assert.Contains("ChatBotMemoryWarning", alerts);
        Assert.DoesNotContain("ChatBotMemoryHigh", alerts); // the old rule on the kill line
        Assert.All(alerts, alert => Assert.Contains(cases, c => c.Alert == alert && c.Fires));
        // The new rules are also seen quiet before their condition holds long enough.
        foreach (var alert in new[] { "ChatBotMemoryWarning", "ChatBotMemoryCritical", "ChatBotRestarted", "ChatBotRestartedNearMemoryLimit", "ChatBotOOMKilled", "ChatBotOverBurst" })
        {
            Assert.Contains(cases, c => c.Alert == alert && !c.Fires);
        }
    }

    private static async Task<(string Output, int Exit)> PromtoolAsync(params string[] args)
    {
        var info = new ProcessStartInfo("promtool") { WorkingDirectory = ComposeFolder, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        Process process;
        try
        {
            process = Process.Start(info)!;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            Assert.Fail("promtool is not installed: scripts/setup installs it (Debian's prometheus package)");
            throw;
        }

        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await process.WaitForExitAsync(timeout.Token);
            return (await output + await error, process.ExitCode);
        }
    }
}
