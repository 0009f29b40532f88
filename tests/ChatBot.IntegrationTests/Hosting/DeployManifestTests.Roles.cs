using System.Text.Json;
using System.Text.RegularExpressions;
using ChatBot.Core.Knowledge;
using ChatBot.IntegrationTests.Infrastructure;
using ChatBot.Tests.Shared;
using YamlDotNet.RepresentationModel;

namespace ChatBot.IntegrationTests.Hosting;

/// <summary>The two roles and the policy documents, as each deployment lays them out.</summary>
public sealed partial class DeployManifestTests
{
    private const string DocumentsFolder = "/srv/chatbot/knowledge";

    [Fact]
    public void Intake_instances_get_no_model_and_workers_keep_it_in_kubernetes_and_compose()
    {
        var intake = Container("intake.yaml");
        var worker = Container("worker.yaml");
        Assert.Equal("false", Env(intake, "Queue__RunWorkers"));
        Assert.Null(Env(intake, "Inference__ModelPath"));
        Assert.DoesNotContain("/srv/chatbot/models", Mounts(intake).Keys);
        Assert.Equal("true", Env(worker, "Queue__RunWorkers"));
        Assert.Equal("models", Mounts(worker)["/srv/chatbot/models"]);
        Assert.StartsWith("/srv/chatbot/models/", Env(worker, "Inference__ModelPath"), StringComparison.Ordinal);

        var services = (YamlMappingNode)Compose()["services"];
        var composeIntake = (YamlMappingNode)services["intake"];
        var composeWorker = (YamlMappingNode)services["worker"];
        Assert.Equal("false", ((YamlMappingNode)composeIntake["environment"])["Queue__RunWorkers"].ToString());
        Assert.DoesNotContain(ComposeMounts(composeIntake), m => m.Target == "/srv/chatbot/models");
        Assert.Equal("true", ((YamlMappingNode)composeWorker["environment"])["Queue__RunWorkers"].ToString());
        Assert.Contains(ComposeMounts(composeWorker), m => m.Target == "/srv/chatbot/models");
        Assert.Contains("names: [intake, worker]", File.ReadAllText(Path.Combine(Deploy, "compose", "prometheus.yml")), StringComparison.Ordinal);
    }

    [Fact]
    public void Every_deployment_puts_the_documents_where_its_workers_read_them()
    {
        // Kubernetes: a ConfigMap made from the folder, mounted where Knowledge__Folder points, made by the command the
        // kustomization gives, which also restarts the Deployment that mounts it.
        var worker = Container("worker.yaml");
        Assert.Equal(DocumentsFolder, Env(worker, "Knowledge__Folder"));
        var volume = Mounts(worker)[DocumentsFolder];
        var source = Volumes("worker.yaml")[volume];
        Assert.Equal("chatbot-knowledge", ((YamlMappingNode)source["configMap"])["name"].ToString());
        var kustomization = File.ReadAllText(Path.Combine(Deploy, "k8s", "kustomization.yaml"));
        Assert.Contains("create configmap chatbot-knowledge --from-file=config/knowledge/", kustomization, StringComparison.Ordinal);
        Assert.Contains("apply --server-side", kustomization, StringComparison.Ordinal);
        Assert.Contains("rollout restart deployment/chatbot-worker", kustomization, StringComparison.Ordinal);
        Assert.Contains("name: chatbot-worker", File.ReadAllText(Path.Combine(Deploy, "k8s", "worker.yaml")), StringComparison.Ordinal);
        Assert.Equal("config/knowledge", new KnowledgeOptions().Folder); // the folder the commands and compose take

        // Compose: the repository's config/knowledge/ bound read-only where Knowledge__Folder points.
        var composeWorker = (YamlMappingNode)((YamlMappingNode)Compose()["services"])["worker"];
        Assert.Equal(DocumentsFolder, ((YamlMappingNode)composeWorker["environment"])["Knowledge__Folder"].ToString());
        var bound = Assert.Single(ComposeMounts(composeWorker), m => m.Target == DocumentsFolder);
        Assert.Equal(Path.Combine(RepoPaths.Root, "config", "knowledge"), Path.GetFullPath(Path.Combine(Deploy, "compose", bound.Source)));
        Assert.Equal("ro", bound.Mode);

        // systemd: the same folder, readable under ProtectSystem=strict.
        Assert.Contains($"Environment=Knowledge__Folder={DocumentsFolder}", File.ReadAllLines(Path.Combine(Deploy, "systemd", "chatbot.service")));
    }

    [Fact]
    public async Task A_document_in_the_knowledge_config_map_reaches_the_index_once()
    {
        // The sample documents as kubectl makes them into a ConfigMap: one key per top-level file, within the limit.
        var documents = Directory.GetFiles(Path.Combine(RepoPaths.Root, "samples", "knowledge-sample", "docs"));
        Assert.All(documents, d => Assert.Matches("^[-._a-zA-Z0-9]+$", Path.GetFileName(d)));
        Assert.True(documents.Sum(d => new FileInfo(d).Length) < 1 << 20);

        // ...and as the kubelet lays the volume out at the mount path: the files in a timestamped folder, "..data"
        // linked to it, and each visible name a link through "..data".
        var pod = Directory.CreateTempSubdirectory("chatbot-pod").FullName;
        try
        {
            var folder = Path.Combine(pod, Mounts(Container("worker.yaml")).Single(m => m.Value == "knowledge").Key.TrimStart('/'));
            var version = Path.Combine(folder, "..2026_12_06_12_00_00.000000001");
            Directory.CreateDirectory(version);
            foreach (var document in documents)
            {
                File.Copy(document, Path.Combine(version, Path.GetFileName(document)));
                File.CreateSymbolicLink(Path.Combine(folder, Path.GetFileName(document)), Path.Combine("..data", Path.GetFileName(document)));
            }

            Directory.CreateSymbolicLink(Path.Combine(folder, "..data"), Path.GetFileName(version));

            var (output, error, exit) = await BotProcess.RunVerbAsync("knowledge", "search", "--docs", folder, "--question", "四人间住宿费每月多少钱");

            Assert.True(exit == 0, error);
            using var json = JsonDocument.Parse(output);
            Assert.Equal("answered", json.RootElement.GetProperty("decision").GetString());
            var hits = json.RootElement.GetProperty("hits").EnumerateArray().Select(h => h.GetProperty("doc").GetString()).ToList();
            Assert.Equal("dormitory.md", hits[0]);
            Assert.All(hits, doc => Assert.DoesNotContain("..", doc, StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(pod, recursive: true);
        }
    }

    private static YamlMappingNode Manifest(string name, int document = 0)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(File.ReadAllText(Path.Combine(Deploy, "k8s", name))));
        return (YamlMappingNode)stream.Documents[document].RootNode;
    }

    private static YamlMappingNode PodSpec(string name) => (YamlMappingNode)Manifest(name)["spec"]["template"]["spec"];

    private static YamlMappingNode Container(string name) => (YamlMappingNode)((YamlSequenceNode)PodSpec(name)["containers"]).Children[0];

    private static string? Env(YamlMappingNode container, string key) =>
        ((YamlSequenceNode)container["env"]).Cast<YamlMappingNode>().FirstOrDefault(e => e["name"].ToString() == key)?["value"].ToString();

    /// <summary>Mount path → volume name.</summary>
    private static Dictionary<string, string> Mounts(YamlMappingNode container) =>
        ((YamlSequenceNode)container["volumeMounts"]).Cast<YamlMappingNode>().ToDictionary(m => m["mountPath"].ToString(), m => m["name"].ToString());

    private static Dictionary<string, YamlMappingNode> Volumes(string name) =>
        ((YamlSequenceNode)PodSpec(name)["volumes"]).Cast<YamlMappingNode>().ToDictionary(v => v["name"].ToString(), v => v);

    private static YamlMappingNode Compose()
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(File.ReadAllText(Path.Combine(Deploy, "compose", "docker-compose.yml"))));
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    private static List<(string Source, string Target, string Mode)> ComposeMounts(YamlMappingNode service) =>
        ((YamlSequenceNode)service["volumes"]).Select(v => ComposeMount().Match(v.ToString()))
            .Select(m => (m.Groups[1].Value, m.Groups[2].Value, m.Groups[3].Value)).ToList();

    [GeneratedRegex("^([^:]+):([^:]+)(?::(\\w+))?$")]
    private static partial Regex ComposeMount();
}
