package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// deployDir is the repository's deploy folder.
var deployDir = filepath.Join("..", "..", "deploy")

// The subset of a Kubernetes Job the explore Job uses, decoded with
// KnownFields: a misspelt field is an error, not a field Kubernetes would
// ignore.
type (
	k8sJob struct {
		APIVersion string `yaml:"apiVersion"`
		Kind       string `yaml:"kind"`
		Metadata   struct {
			Name string `yaml:"name"`
		} `yaml:"metadata"`
		Spec struct {
			CompletionMode       string `yaml:"completionMode"`
			Completions          int    `yaml:"completions"`
			Parallelism          int    `yaml:"parallelism"`
			BackoffLimit         *int   `yaml:"backoffLimit"`
			BackoffLimitPerIndex *int   `yaml:"backoffLimitPerIndex"`
			PodFailurePolicy     struct {
				Rules []struct {
					Action      string `yaml:"action"`
					OnExitCodes struct {
						ContainerName string `yaml:"containerName"`
						Operator      string `yaml:"operator"`
						Values        []int  `yaml:"values"`
					} `yaml:"onExitCodes"`
				} `yaml:"rules"`
			} `yaml:"podFailurePolicy"`
			Template struct {
				Spec struct {
					RestartPolicy   string `yaml:"restartPolicy"`
					SecurityContext struct {
						FSGroup int `yaml:"fsGroup"`
					} `yaml:"securityContext"`
					Containers []k8sContainer `yaml:"containers"`
					Volumes    []struct {
						Name                  string `yaml:"name"`
						PersistentVolumeClaim struct {
							ClaimName string `yaml:"claimName"`
						} `yaml:"persistentVolumeClaim"`
					} `yaml:"volumes"`
				} `yaml:"spec"`
			} `yaml:"template"`
		} `yaml:"spec"`
	}
	k8sContainer struct {
		Name  string   `yaml:"name"`
		Image string   `yaml:"image"`
		Args  []string `yaml:"args"`
		Env   []struct {
			Name      string `yaml:"name"`
			ValueFrom struct {
				FieldRef struct {
					FieldPath string `yaml:"fieldPath"`
				} `yaml:"fieldRef"`
			} `yaml:"valueFrom"`
		} `yaml:"env"`
		Resources    map[string]map[string]string `yaml:"resources"`
		VolumeMounts []struct {
			Name      string `yaml:"name"`
			MountPath string `yaml:"mountPath"`
		} `yaml:"volumeMounts"`
	}
)

// decodeJobs decodes every document of a YAML file as a Job.
func decodeJobs(t *testing.T, path string) []k8sJob {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var jobs []k8sJob
	for {
		var j k8sJob
		err := dec.Decode(&j)
		if errors.Is(err, io.EOF) {
			return jobs
		}
		require.NoError(t, err, path)
		jobs = append(jobs, j)
	}
}

// The Indexed Job parses, its completion index reaches --shard as i/n with
// n its completions, each pod writes its own directory on the volume, and
// the merge Job lists exactly those directories.
func TestDeployKubernetesJob(t *testing.T) {
	jobs := decodeJobs(t, filepath.Join(deployDir, "kubernetes", "explore-job.yaml"))
	require.Len(t, jobs, 2)
	explore, merge := jobs[0], jobs[1]
	for _, j := range jobs {
		require.Equal(t, "batch/v1", j.APIVersion)
		require.Equal(t, "Job", j.Kind)
		require.Equal(t, "Never", j.Spec.Template.Spec.RestartPolicy)
		require.Len(t, j.Spec.Template.Spec.Containers, 1)
	}
	spec := explore.Spec
	require.Equal(t, "Indexed", spec.CompletionMode)
	n := spec.Completions
	require.Positive(t, n)
	require.Equal(t, n, spec.Parallelism)
	require.NotNil(t, spec.BackoffLimitPerIndex, "a failed pod is replaced under its index")
	// exit 1 (violations found) is the shard's result, not a failure to retry
	actions := map[int]string{}
	for _, r := range spec.PodFailurePolicy.Rules {
		require.Equal(t, "In", r.OnExitCodes.Operator)
		require.Equal(t, "explore", r.OnExitCodes.ContainerName)
		for _, v := range r.OnExitCodes.Values {
			actions[v] = r.Action
		}
	}
	require.Equal(t, map[int]string{exitViolation: "FailIndex", exitBadInput: "FailJob", exitNondeterminism: "FailJob"}, actions)

	c := spec.Template.Spec.Containers[0]
	require.Equal(t, "explore", c.Name)
	require.Len(t, c.Env, 1)
	require.Equal(t, "JOB_COMPLETION_INDEX", c.Env[0].Name)
	require.Equal(t, "metadata.annotations['batch.kubernetes.io/job-completion-index']", c.Env[0].ValueFrom.FieldRef.FieldPath)
	require.Len(t, c.VolumeMounts, 1)
	mount := c.VolumeMounts[0]
	require.Equal(t, spec.Template.Spec.Volumes[0].Name, mount.Name)
	require.NotEmpty(t, spec.Template.Spec.Volumes[0].PersistentVolumeClaim.ClaimName)

	var dirs []string
	for i := range n {
		// Kubernetes expands $(VAR) in args from the container's env
		args := slices.Clone(c.Args)
		for k := range args {
			args[k] = strings.ReplaceAll(args[k], "$(JOB_COMPLETION_INDEX)", strconv.Itoa(i))
		}
		require.Equal(t, "explore", args[0])
		s, err := parseExplore(args[1:], io.Discard)
		require.NoError(t, err, "pod %d: %q", i, args)
		require.Equal(t, shard{uint64(i), uint64(n)}, s.shard, "pod %d", i)
		require.True(t, strings.HasPrefix(s.cf.out, mount.MountPath+"/"), "pod %d writes %s, outside the volume %s", i, s.cf.out, mount.MountPath)
		require.NotContains(t, dirs, s.cf.out, "two pods write one directory")
		dirs = append(dirs, s.cf.out)
	}

	m := merge.Spec.Template.Spec.Containers[0]
	require.Equal(t, "merge", m.Args[0])
	require.Equal(t, dirs, m.Args[1:1+n], "the merge lists every shard's directory")
	require.Equal(t, []string{"--out", mount.MountPath + "/merged"}, m.Args[1+n:])
	require.Equal(t, merge.Spec.Template.Spec.Volumes, explore.Spec.Template.Spec.Volumes, "the merge reads the shards' volume")
	require.Equal(t, c.Image, m.Image)
}

// The workflow parses; each matrix entry's shard index reaches --shard as
// i/n with n the matrix's size and uploads its own directory; the merge
// job needs the shards and merges exactly their directories.
func TestDeployGitHubActions(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(deployDir, "github-actions", "explore.yml"))
	require.NoError(t, err)
	type step struct {
		Name string            `yaml:"name"`
		Uses string            `yaml:"uses"`
		Run  string            `yaml:"run"`
		If   string            `yaml:"if"`
		With map[string]string `yaml:"with"`
	}
	var wf struct {
		Name string         `yaml:"name"`
		On   map[string]any `yaml:"on"`
		Jobs map[string]struct {
			RunsOn   string `yaml:"runs-on"`
			Needs    needs  `yaml:"needs"`
			Timeout  int    `yaml:"timeout-minutes"`
			Strategy struct {
				FailFast bool `yaml:"fail-fast"`
				Matrix   struct {
					Shard []int `yaml:"shard"`
				} `yaml:"matrix"`
			} `yaml:"strategy"`
			Steps []step `yaml:"steps"`
		} `yaml:"jobs"`
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	require.NoError(t, dec.Decode(&wf))
	explore, ok := wf.Jobs["explore"]
	require.True(t, ok)
	merge, ok := wf.Jobs["merge"]
	require.True(t, ok)
	require.Equal(t, needs{"explore"}, merge.Needs, "the merge job depends on the shards")
	require.False(t, explore.Strategy.FailFast, "one shard's violation must not cancel the others")
	shards := explore.Strategy.Matrix.Shard
	n := len(shards)
	require.Positive(t, n)
	for i, s := range shards {
		require.Equal(t, i, s, "the matrix is 0..n-1")
	}
	stepRunning := func(steps []step, cmd string) step {
		for _, s := range steps {
			if strings.Contains(s.Run, cmd) {
				return s
			}
		}
		t.Fatalf("no step runs %s", cmd)
		return step{}
	}
	simrunLine := regexp.MustCompile(`(?m)^\s*simrun (explore|merge) ([^|\n]*)`)
	run := stepRunning(explore.Steps, "simrun explore")
	var upload step
	for _, s := range explore.Steps {
		if strings.HasPrefix(s.Uses, "actions/upload-artifact@") {
			upload = s
		}
	}
	var dirs []string
	for _, i := range shards {
		render := func(s string) string { return strings.ReplaceAll(s, "${{ matrix.shard }}", strconv.Itoa(i)) }
		m := simrunLine.FindStringSubmatch(render(run.Run))
		require.NotNil(t, m, run.Run)
		s, err := parseExplore(strings.Fields(m[2]), io.Discard)
		require.NoError(t, err, "shard %d: %s", i, m[0])
		require.Equal(t, shard{uint64(i), uint64(n)}, s.shard, "shard %d", i)
		require.Equal(t, s.cf.out, render(upload.With["path"]), "shard %d uploads its --out directory", i)
		require.Equal(t, render(upload.With["name"]), s.cf.out)
		dirs = append(dirs, s.cf.out)
	}
	var download step
	for _, s := range merge.Steps {
		if strings.HasPrefix(s.Uses, "actions/download-artifact@") {
			download = s
		}
	}
	require.Equal(t, "shard-*", download.With["pattern"])
	m := simrunLine.FindStringSubmatch(stepRunning(merge.Steps, "simrun merge").Run)
	require.NotNil(t, m)
	args := strings.Fields(m[2])
	var want []string
	for _, d := range dirs {
		want = append(want, download.With["path"]+"/"+d)
	}
	require.Equal(t, want, args[:n], "the merge lists every shard's downloaded directory")
	require.Equal(t, "--out", args[n])
}

// The container build file builds simrun in a Go stage at least as new as
// go.mod's and copies that binary into the final image as its entrypoint.
func TestDeployContainerfile(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(deployDir, "Containerfile"))
	require.NoError(t, err)
	type stage struct {
		from, name string
		lines      []string
	}
	var stages []*stage
	for _, l := range strings.Split(string(data), "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		if f := strings.Fields(l); f[0] == "FROM" {
			s := &stage{from: f[1]}
			if len(f) == 4 && strings.EqualFold(f[2], "AS") {
				s.name = f[3]
			}
			stages = append(stages, s)
			continue
		}
		require.NotEmpty(t, stages, "an instruction before FROM: %s", l)
		stages[len(stages)-1].lines = append(stages[len(stages)-1].lines, l)
	}
	require.Len(t, stages, 2, "multi-stage: build, then run")
	build, final := stages[0], stages[1]
	require.NotEmpty(t, build.name)

	goMod, err := os.ReadFile(filepath.Join("..", "..", "go.mod"))
	require.NoError(t, err)
	want := regexp.MustCompile(`(?m)^go (\d+)\.(\d+)`).FindStringSubmatch(string(goMod))
	got := regexp.MustCompile(`^docker\.io/library/golang:(\d+)\.(\d+)`).FindStringSubmatch(build.from)
	require.NotNil(t, got, build.from)
	require.Equal(t, want[1:], got[1:], "the builder's Go is go.mod's")

	buildRe := regexp.MustCompile(`^RUN .*go build .*-o (\S+) \./cmd/simrun$`)
	binary := ""
	for _, l := range build.lines {
		if m := buildRe.FindStringSubmatch(l); m != nil {
			binary = m[1]
		}
	}
	require.NotEmpty(t, binary, "the build stage builds ./cmd/simrun")
	installed, entry := "", ""
	for _, l := range final.lines {
		if f := strings.Fields(l); f[0] == "COPY" && f[1] == "--from="+build.name && f[2] == binary {
			installed = f[3]
		}
		if rest, ok := strings.CutPrefix(l, "ENTRYPOINT "); ok {
			entry = rest
		}
	}
	require.NotEmpty(t, installed, "the final stage copies the built simrun")
	require.Equal(t, fmt.Sprintf("[%q]", installed), entry, "simrun is the entrypoint")
}

// needs is a workflow job's needs: one job's name or a list of them.
type needs []string

func (n *needs) UnmarshalYAML(v *yaml.Node) error {
	if v.Kind == yaml.ScalarNode {
		*n = needs{v.Value}
		return nil
	}
	var list []string
	if err := v.Decode(&list); err != nil {
		return err
	}
	*n = list
	return nil
}
