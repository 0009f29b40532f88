using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using ChatBot.IntegrationTests.Infrastructure;
using ChatBot.Tests.Shared;
using YamlDotNet.RepresentationModel;

namespace ChatBot.IntegrationTests.Hosting;

/// <summary>
/// deploy/ as far as it can be checked here (no container runtime or cluster): every manifest parses, and every
/// probe path, port, setting and config file it names exists in the code — so a rename cannot leave a deployment
/// that does not start.
/// </summary>
public sealed partial class DeployManifestTests
{
    private static readonly string Deploy = Path.Combine(RepoPaths.Root, "deploy");

    [Fact]
    public void Every_manifest_parses()
    {
        var yamlFiles = Directory.GetFiles(Deploy, "*.y*ml", SearchOption.AllDirectories);
        Assert.True(yamlFiles.Length >= 10, "the compose, Prometheus, Grafana and Kubernetes files are all there");
        foreach (var file in yamlFiles)
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(File.ReadAllText(file)));
            Assert.NotEmpty(stream.Documents);
        }

        using var dashboard = JsonDocument.Parse(File.ReadAllText(Path.Combine(Deploy, "compose", "grafana", "dashboards", "chatbot.json")));
        Assert.True(dashboard.RootElement.GetProperty("panels").GetArrayLength() >= 10);
    }

    [Fact]
    public void Every_setting_a_deployment_sets_is_one_the_bot_reads()
    {
        var documented = Flatten(JsonDocument.Parse(StripComments(File.ReadAllText(Path.Combine(RepoPaths.Root, "appsettings.template.json")))).RootElement, "");
        var keys = new List<string>();
        foreach (var file in Directory.GetFiles(Deploy, "*", SearchOption.AllDirectories))
        {
            keys.AddRange(SettingKey().Matches(File.ReadAllText(file)).Select(m => m.Groups[1].Value));
        }

        Assert.Contains("Metrics__Port", keys);
        Assert.All(keys.Distinct(), key => Assert.True(documented.Contains(key.Replace("__", ":", StringComparison.Ordinal), StringComparer.OrdinalIgnoreCase),
            $"{key} is set in deploy/ but appsettings.template.json documents no such setting"));
    }

    [Fact]
    public void Kubernetes_ports_probes_and_config_files_match_the_code()
    {
        foreach (var name in new[] { "intake.yaml", "worker.yaml" })
        {
            var text = File.ReadAllText(Path.Combine(Deploy, "k8s", name));
            Assert.Contains("containerPort: 8080", text, StringComparison.Ordinal);
            Assert.Contains("value: \"http://0.0.0.0:8080\"", text, StringComparison.Ordinal);
            Assert.Contains("containerPort: 9464", text, StringComparison.Ordinal);
            Assert.Contains("{ name: Metrics__Port, value: \"9464\" }", text, StringComparison.Ordinal);
            Assert.Contains("path: /readyz", text, StringComparison.Ordinal);
            Assert.Contains("path: /healthz", text, StringComparison.Ordinal);
            foreach (Match file in Regex.Matches(text, "/srv/chatbot/config/([\\w.-]+)"))
            {
                Assert.True(File.Exists(Path.Combine(RepoPaths.Root, "config", file.Groups[1].Value)), $"{name} names config/{file.Groups[1].Value}, which the repository does not have");
                Assert.Contains(file.Groups[1].Value, File.ReadAllText(Path.Combine(Deploy, "k8s", "kustomization.yaml")), StringComparison.Ordinal);
            }
        }

        foreach (Match file in Regex.Matches(File.ReadAllText(Path.Combine(Deploy, "k8s", "kustomization.yaml")), "\\.\\./\\.\\./(config/[\\w.-]+)"))
        {
            Assert.True(File.Exists(Path.Combine(RepoPaths.Root, file.Groups[1].Value)), $"kustomization.yaml names {file.Groups[1].Value}");
        }

        Assert.Contains("port: 9464", File.ReadAllText(Path.Combine(Deploy, "compose", "prometheus.yml")), StringComparison.Ordinal);
        Assert.Contains("Metrics__Port: \"9464\"", File.ReadAllText(Path.Combine(Deploy, "compose", "docker-compose.yml")), StringComparison.Ordinal);
    }

    [Fact]
    public void The_systemd_unit_runs_the_built_host_hardened()
    {
        var unit = File.ReadAllLines(Path.Combine(Deploy, "systemd", "chatbot.service"));
        string Value(string key) => unit.Single(l => l.StartsWith(key + "=", StringComparison.Ordinal))[(key.Length + 1)..];

        Assert.EndsWith("/" + Path.GetFileName(BotProcess.HostDll), Value("ExecStart"), StringComparison.Ordinal);
        Assert.Equal("true", Value("NoNewPrivileges"));
        Assert.Equal("strict", Value("ProtectSystem"));
        Assert.Contains("/srv/chatbot/audit", Value("ReadWritePaths"), StringComparison.Ordinal);
        Assert.Contains(unit, l => l == "Environment=Audit__Folder=/srv/chatbot/audit");
        Assert.Matches("^\\d+M$", Value("MemoryMax"));
    }

    [Fact]
    public async Task The_probe_paths_and_the_metrics_path_answer()
    {
        using var app = new ChatBotApp();
        var client = app.Start();
        foreach (var path in new[] { "/healthz", "/readyz", "/metrics" })
        {
            Assert.NotEqual(HttpStatusCode.NotFound, (await client.GetAsync(new Uri(path, UriKind.Relative))).StatusCode);
        }
    }

    private static List<string> Flatten(JsonElement element, string prefix) => element.ValueKind == JsonValueKind.Object
        ? element.EnumerateObject().Where(p => p.Name != "//").SelectMany(p => Flatten(p.Value, prefix.Length == 0 ? p.Name : $"{prefix}:{p.Name}")).Append(prefix).ToList()
        : [prefix];

    private static string StripComments(string json) => string.Join('\n', json.Split('\n').Where(l => !l.TrimStart().StartsWith("//", StringComparison.Ordinal)));

    [GeneratedRegex(@"\b([A-Z][A-Za-z]+(?:__[A-Z][A-Za-z]+)+)\b")]
    private static partial Regex SettingKey();
}
