using System.Text.RegularExpressions;
using ChatBot.DingTalk.Callbacks;
using ChatBot.WeCom.Callbacks;
using YamlDotNet.RepresentationModel;

namespace ChatBot.IntegrationTests.Hosting;

/// <summary>Least privilege as each deployment states it: user, read-only root with named writable paths, capabilities, network.</summary>
public sealed partial class DeployManifestTests
{
    /// <summary>What the bot writes in a container: the runtime's diagnostics socket, the audit files, the demo keys.</summary>
    private static readonly string[] WritablePaths = ["/tmp", "/srv/chatbot/audit", "/srv/chatbot/.chatbot"];

    [Fact]
    public void The_image_runs_as_its_unprivileged_user_and_owns_only_the_writable_paths()
    {
        var dockerfile = File.ReadAllLines(Path.Combine(Deploy, "Dockerfile"));
        var runtime = dockerfile.SkipWhile(l => !l.StartsWith("FROM mcr.microsoft.com/dotnet/aspnet", StringComparison.Ordinal)).ToList();
        var user = Assert.Single(runtime, l => l.StartsWith("USER ", StringComparison.Ordinal));
        Assert.Equal("USER $APP_UID", user); // 1654, the aspnet image's "app" user
        Assert.True(runtime.IndexOf(user) > runtime.FindLastIndex(l => l.StartsWith("RUN ", StringComparison.Ordinal)), "nothing runs as root after USER");
        Assert.Equal("WORKDIR /srv/chatbot", runtime[1]);
        // LLamaSharp's Linux llama.cpp is built with OpenMP; the aspnet image has no libgomp of its own.
        Assert.Contains(runtime, l => l.StartsWith("RUN ", StringComparison.Ordinal) && l.Contains("libgomp1", StringComparison.Ordinal));
        var chown = Assert.Single(runtime, l => l.Contains("chown", StringComparison.Ordinal));
        Assert.Contains("chown \"$APP_UID:$APP_UID\" audit .chatbot", chown, StringComparison.Ordinal);
        foreach (var path in WritablePaths)
        {
            Assert.Contains(runtime, l => l.StartsWith("#", StringComparison.Ordinal) && l.Contains(path + " ", StringComparison.Ordinal));
        }
    }

    [Theory]
    [InlineData("intake.yaml", 1654)]
    [InlineData("worker.yaml", 1654)]
    [InlineData("redis.yaml", 999)]
    public void Every_pod_runs_non_root_with_a_read_only_root_and_no_capabilities(string manifest, int uid)
    {
        var pod = PodSpec(manifest);
        var security = (YamlMappingNode)pod["securityContext"];
        Assert.Equal("true", security["runAsNonRoot"].ToString());
        Assert.Equal(uid.ToString(System.Globalization.CultureInfo.InvariantCulture), security["runAsUser"].ToString());
        Assert.Equal("RuntimeDefault", security["seccompProfile"]["type"].ToString());
        Assert.Equal("false", pod["automountServiceAccountToken"].ToString());
        var container = Container(manifest);
        var own = (YamlMappingNode)container["securityContext"];
        Assert.Equal("false", own["allowPrivilegeEscalation"].ToString());
        Assert.Equal("true", own["readOnlyRootFilesystem"].ToString());
        Assert.Equal("ALL", Assert.Single((YamlSequenceNode)own["capabilities"]["drop"]).ToString());

        if (manifest != "redis.yaml")
        {
            // Every writable mount is a path the bot writes, and every path it writes here is mounted writable.
            var writable = ((YamlSequenceNode)container["volumeMounts"]).Cast<YamlMappingNode>()
                .Where(m => !m.Children.ContainsKey("readOnly") || m["readOnly"].ToString() != "true").Select(m => m["mountPath"].ToString()).ToList();
            Assert.Equal(["/tmp"], writable);
            Assert.Equal("Stdout", Env(container, "Audit__Sink")); // so /srv/chatbot/audit is not written
            Assert.Contains("emptyDir", Volumes(manifest)["tmp"].Children.Keys.Select(k => k.ToString()));
        }
    }

    [Fact]
    public void Network_policies_let_callbacks_in_and_only_redis_dns_and_https_out()
    {
        Assert.Contains("- networkpolicy.yaml", File.ReadAllText(Path.Combine(Deploy, "k8s", "kustomization.yaml")), StringComparison.Ordinal);
        var stream = new YamlStream();
        stream.Load(new StringReader(File.ReadAllText(Path.Combine(Deploy, "k8s", "networkpolicy.yaml"))));
        var policies = stream.Documents.Select(d => (YamlMappingNode)d.RootNode).ToDictionary(d => d["metadata"]["name"].ToString(), d => (YamlMappingNode)d["spec"]);

        var deny = policies["default-deny"];
        Assert.Empty((YamlMappingNode)deny["podSelector"]);
        Assert.Equal(["Ingress", "Egress"], ((YamlSequenceNode)deny["policyTypes"]).Select(t => t.ToString()));

        // Ports allowed in are the pods' own: callbacks on the intake's http port, metrics on both roles.
        Assert.Equal([8080, 9464], IngressPorts(policies["chatbot-intake"]));
        Assert.Equal([9464], IngressPorts(policies["chatbot-worker"]));
        Assert.Contains("containerPort: 8080", File.ReadAllText(Path.Combine(Deploy, "k8s", "intake.yaml")), StringComparison.Ordinal);
        Assert.Equal([6379], IngressPorts(policies["redis"]));

        var egress = policies["chatbot-egress"];
        Assert.Equal("chatbot", egress["podSelector"]["matchLabels"]["app"].ToString());
        var ports = ((YamlSequenceNode)egress["egress"]).SelectMany(rule => (YamlSequenceNode)rule["ports"]).Select(p => p["port"].ToString()).Order().ToList();
        Assert.Equal(["443", "53", "53", "6379"], ports);
        Assert.Equal("redis:6379", Env(Container("worker.yaml"), "Redis__ConnectionString")); // the port let out is Redis's
        var https = ((YamlSequenceNode)egress["egress"]).Cast<YamlMappingNode>().Single(r => r["ports"][0]["port"].ToString() == "443");
        Assert.Contains("10.0.0.0/8", ((YamlSequenceNode)https["to"][0]["ipBlock"]["except"]).Select(c => c.ToString()));
    }

    [Fact]
    public void The_ingress_example_exposes_only_the_callback_paths_over_tls()
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(File.ReadAllText(Path.Combine(Deploy, "k8s", "ingress.yaml"))));
        var spec = (YamlMappingNode)((YamlMappingNode)stream.Documents[0].RootNode)["spec"];
        var tls = (YamlMappingNode)((YamlSequenceNode)spec["tls"])[0];
        var rule = (YamlMappingNode)((YamlSequenceNode)spec["rules"])[0];
        Assert.Equal(rule["host"].ToString(), tls["hosts"][0].ToString());
        Assert.Equal("chatbot-tls", tls["secretName"].ToString());

        var paths = ((YamlSequenceNode)rule["http"]["paths"]).Cast<YamlMappingNode>().ToList();
        Assert.Equal(new[] { WeComAiBotEndpoint.Path, WeComAppEndpoint.Path, DingTalkCallbackEndpoint.Path }.Order(), paths.Select(p => p["path"].ToString()).Order());
        Assert.All(paths, p => Assert.Equal("Exact", p["pathType"].ToString()));
        var service = Manifest("intake.yaml", document: 2);
        Assert.All(paths, p => Assert.Equal(service["metadata"]["name"].ToString(), p["backend"]["service"]["name"].ToString()));
        Assert.All(paths, p => Assert.Equal(service["spec"]["ports"][0]["name"].ToString(), p["backend"]["service"]["port"]["name"].ToString()));
    }

    [Fact]
    public void Compose_runs_the_bots_and_redis_as_k8s_does_where_compose_can()
    {
        var compose = Compose();
        var services = (YamlMappingNode)compose["services"];
        var bot = (YamlMappingNode)compose["x-bot"];
        Assert.Equal("true", bot["read_only"].ToString());
        Assert.Equal("ALL", Assert.Single((YamlSequenceNode)bot["cap_drop"]).ToString());
        Assert.Equal("no-new-privileges:true", Assert.Single((YamlSequenceNode)bot["security_opt"]).ToString());
        Assert.StartsWith("/tmp:", Assert.Single((YamlSequenceNode)bot["tmpfs"]).ToString(), StringComparison.Ordinal);
        foreach (var name in new[] { "intake", "worker" })
        {
            var service = (YamlMappingNode)services[name];
            Assert.Equal("*bot", MergedFrom(name));
            Assert.Matches("^\\d+m$", service["mem_limit"].ToString());
            // Every writable mount is the audit volume (the rest read-only), and the image makes it the app user's.
            Assert.All(ComposeMounts(service).Where(m => m.Mode != "ro"), m => Assert.Equal("/srv/chatbot/audit", m.Target));
            Assert.Equal("/srv/chatbot/audit", ((YamlMappingNode)service["environment"])["Audit__Folder"].ToString());
        }

        var redis = (YamlMappingNode)services["redis"];
        Assert.Equal("999:999", redis["user"].ToString());
        Assert.Equal("true", redis["read_only"].ToString());
        Assert.Equal(["internal"], ((YamlSequenceNode)redis["networks"]).Select(n => n.ToString()));
        Assert.Equal("true", compose["networks"]["internal"]["internal"].ToString());
        Assert.False(redis.Children.ContainsKey("ports"));
    }

    [Fact]
    public void The_systemd_unit_holds_no_capabilities()
    {
        var unit = File.ReadAllLines(Path.Combine(Deploy, "systemd", "chatbot.service"));
        Assert.Contains("CapabilityBoundingSet=", unit);
        Assert.Contains("AmbientCapabilities=", unit);
        Assert.Contains("User=chatbot", unit);
        Assert.Contains("RestrictNamespaces=true", unit);
    }

    [Fact]
    public void The_systemd_unit_waits_for_ready_and_has_the_bot_ping_its_watchdog()
    {
        var unit = File.ReadAllLines(Path.Combine(Deploy, "systemd", "chatbot.service"));
        Assert.Contains("Type=notify", unit);
        Assert.Contains("NotifyAccess=main", unit);
        Assert.Contains("Restart=on-failure", unit); // a missed watchdog is a failure: restarted
        var watchdog = Assert.Single(unit, l => l.StartsWith("WatchdogSec=", StringComparison.Ordinal));
        Assert.InRange(int.Parse(watchdog["WatchdogSec=".Length..], System.Globalization.CultureInfo.InvariantCulture), 10, 120);
    }

    private static List<int> IngressPorts(YamlMappingNode policy) =>
        ((YamlSequenceNode)policy["ingress"]).SelectMany(rule => (YamlSequenceNode)rule["ports"]).Select(p => int.Parse(p["port"].ToString(), System.Globalization.CultureInfo.InvariantCulture)).ToList();

    /// <summary>The anchor a compose service merges (YAML's "&lt;&lt;: *name"), read from the text: the parser keeps it as an alias.</summary>
    private static string MergedFrom(string service) =>
        Regex.Match(File.ReadAllText(Path.Combine(Deploy, "compose", "docker-compose.yml")), $"\\n  {service}:\\n    <<: (\\*\\w+)").Groups[1].Value;
}
