// Command vantage-chart-check reads `helm template` output on stdin and decodes every object
// strictly into its Kubernetes API type (unknown or duplicate fields are errors, as the API server
// rejects them), then checks what a schema cannot: selectors that select the chart's own pods,
// Service and probe ports that name a container port, HPAs and PDBs that point at a Deployment.
// It exits 1 with one line per problem. No cluster is needed.
package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// The kinds the chart may render; anything else is a problem (a typo in apiVersion or kind).
var kinds = map[string]func() any{
	"v1/Secret":                               func() any { return &corev1.Secret{} },
	"v1/Service":                              func() any { return &corev1.Service{} },
	"v1/ConfigMap":                            func() any { return &corev1.ConfigMap{} },
	"v1/ServiceAccount":                       func() any { return &corev1.ServiceAccount{} },
	"apps/v1/Deployment":                      func() any { return &appsv1.Deployment{} },
	"batch/v1/Job":                            func() any { return &batchv1.Job{} },
	"autoscaling/v2/HorizontalPodAutoscaler":  func() any { return &autoscalingv2.HorizontalPodAutoscaler{} },
	"policy/v1/PodDisruptionBudget":           func() any { return &policyv1.PodDisruptionBudget{} },
	"networking.k8s.io/v1/NetworkPolicy":      func() any { return &networkingv1.NetworkPolicy{} },
	"monitoring.coreos.com/v1/ServiceMonitor": func() any { return &monitoringv1.ServiceMonitor{} },
}

type objects struct {
	deployments []*appsv1.Deployment
	jobs        []*batchv1.Job
	services    []*corev1.Service
	hpas        []*autoscalingv2.HorizontalPodAutoscaler
	pdbs        []*policyv1.PodDisruptionBudget
	policies    []*networkingv1.NetworkPolicy
	monitors    []*monitoringv1.ServiceMonitor
	secrets     []*corev1.Secret
	count       map[string]int
}

func main() {
	input, err := io.ReadAll(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	objs, problems := decode(input)
	problems = append(problems, crossCheck(objs)...)
	for _, p := range problems {
		fmt.Println(p)
	}
	if len(problems) > 0 {
		os.Exit(1)
	}
	summary := []string{}
	for k, n := range objs.count {
		summary = append(summary, fmt.Sprintf("%s=%d", k, n))
	}
	fmt.Fprintf(os.Stderr, "ok: %s\n", strings.Join(sortStrings(summary), " "))
}

// splitDocuments splits a YAML stream on `---` lines, dropping empty and comment-only documents.
func splitDocuments(input []byte) [][]byte {
	var docs [][]byte
	var cur bytes.Buffer
	flush := func() {
		if hasContent(cur.Bytes()) {
			docs = append(docs, append([]byte(nil), cur.Bytes()...))
		}
		cur.Reset()
	}
	sc := bufio.NewScanner(bytes.NewReader(input))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "---") {
			flush()
			continue
		}
		cur.WriteString(line)
		cur.WriteByte('\n')
	}
	flush()
	return docs
}

func hasContent(doc []byte) bool {
	for _, line := range strings.Split(string(doc), "\n") {
		t := strings.TrimSpace(line)
		if t != "" && !strings.HasPrefix(t, "#") {
			return true
		}
	}
	return false
}

func decode(input []byte) (*objects, []string) {
	objs := &objects{count: map[string]int{}}
	var problems []string
	for i, doc := range splitDocuments(input) {
		var tm metav1.TypeMeta
		if err := yaml.Unmarshal(doc, &tm); err != nil {
			problems = append(problems, fmt.Sprintf("document %d: not YAML: %v", i, err))
			continue
		}
		key := tm.APIVersion + "/" + tm.Kind
		newObject, ok := kinds[key]
		if !ok {
			problems = append(problems, fmt.Sprintf("document %d: unexpected kind %q", i, key))
			continue
		}
		obj := newObject()
		if err := yaml.UnmarshalStrict(doc, obj); err != nil {
			problems = append(problems, fmt.Sprintf("document %d (%s): %v", i, key, err))
			continue
		}
		objs.count[tm.Kind]++
		switch o := obj.(type) {
		case *appsv1.Deployment:
			objs.deployments = append(objs.deployments, o)
		case *batchv1.Job:
			objs.jobs = append(objs.jobs, o)
		case *corev1.Service:
			objs.services = append(objs.services, o)
		case *autoscalingv2.HorizontalPodAutoscaler:
			objs.hpas = append(objs.hpas, o)
		case *policyv1.PodDisruptionBudget:
			objs.pdbs = append(objs.pdbs, o)
		case *networkingv1.NetworkPolicy:
			objs.policies = append(objs.policies, o)
		case *monitoringv1.ServiceMonitor:
			objs.monitors = append(objs.monitors, o)
		case *corev1.Secret:
			objs.secrets = append(objs.secrets, o)
		}
		if name := nameOf(obj); name == "" {
			problems = append(problems, fmt.Sprintf("document %d (%s): no metadata.name", i, key))
		}
	}
	return objs, problems
}

func nameOf(obj any) string {
	if o, ok := obj.(metav1.Object); ok {
		return o.GetName()
	}
	return ""
}
