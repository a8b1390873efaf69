package main

import (
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func sortStrings(s []string) []string {
	sort.Strings(s)
	return s
}

// crossCheck finds what decodes but would not work: a selector selecting no pod of the chart, a
// port name no container declares, a scale target that is not rendered.
func crossCheck(o *objects) []string {
	var problems []string
	pods := map[string]corev1.PodTemplateSpec{}
	for _, d := range o.deployments {
		pods["Deployment/"+d.Name] = d.Spec.Template
		sel, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
		if err != nil || !sel.Matches(labels.Set(d.Spec.Template.Labels)) {
			problems = append(problems, fmt.Sprintf("Deployment %s: its selector does not match its pod template", d.Name))
		}
		problems = append(problems, checkContainers("Deployment "+d.Name, d.Spec.Template.Spec)...)
		if d.Spec.Replicas != nil && *d.Spec.Replicas < 1 {
			problems = append(problems, fmt.Sprintf("Deployment %s: %d replicas", d.Name, *d.Spec.Replicas))
		}
	}
	for _, j := range o.jobs {
		problems = append(problems, checkContainers("Job "+j.Name, j.Spec.Template.Spec)...)
	}
	for _, s := range o.services {
		matched := podsMatching(pods, labels.SelectorFromSet(s.Spec.Selector))
		if len(matched) != 1 {
			problems = append(problems, fmt.Sprintf("Service %s: selects %d Deployments' pods, not 1", s.Name, len(matched)))
			continue
		}
		for _, p := range s.Spec.Ports {
			if !declaresPort(matched[0].Spec, p.TargetPort) {
				problems = append(problems, fmt.Sprintf("Service %s: port %s targets %s, which no container declares", s.Name, p.Name, p.TargetPort.String()))
			}
		}
	}
	for _, h := range o.hpas {
		ref := h.Spec.ScaleTargetRef
		if _, ok := pods[ref.Kind+"/"+ref.Name]; !ok || ref.APIVersion != "apps/v1" {
			problems = append(problems, fmt.Sprintf("HorizontalPodAutoscaler %s: scales %s/%s %s, which the chart does not render", h.Name, ref.APIVersion, ref.Kind, ref.Name))
		}
		for _, d := range o.deployments {
			if d.Name == ref.Name && d.Spec.Replicas != nil {
				problems = append(problems, fmt.Sprintf("Deployment %s: sets replicas although an HPA scales it", d.Name))
			}
		}
	}
	for _, p := range o.pdbs {
		sel, err := metav1.LabelSelectorAsSelector(p.Spec.Selector)
		if err != nil || len(podsMatching(pods, sel)) != 1 {
			problems = append(problems, fmt.Sprintf("PodDisruptionBudget %s: does not select one Deployment's pods", p.Name))
		}
	}
	for _, n := range o.policies {
		sel, err := metav1.LabelSelectorAsSelector(&n.Spec.PodSelector)
		if err != nil || len(podsMatching(pods, sel)) != 1 {
			problems = append(problems, fmt.Sprintf("NetworkPolicy %s: does not select one Deployment's pods", n.Name))
		}
	}
	for _, m := range o.monitors {
		sel, err := metav1.LabelSelectorAsSelector(&m.Spec.Selector)
		found := false
		for _, s := range o.services {
			if err == nil && sel.Matches(labels.Set(s.Labels)) {
				for _, e := range m.Spec.Endpoints {
					for _, p := range s.Spec.Ports {
						found = found || p.Name == e.Port
					}
				}
			}
		}
		if !found {
			problems = append(problems, fmt.Sprintf("ServiceMonitor %s: no Service it selects has its endpoint's port", m.Name))
		}
	}
	return problems
}

func podsMatching(pods map[string]corev1.PodTemplateSpec, sel labels.Selector) []corev1.PodTemplateSpec {
	var out []corev1.PodTemplateSpec
	for _, t := range pods {
		if !sel.Empty() && sel.Matches(labels.Set(t.Labels)) {
			out = append(out, t)
		}
	}
	return out
}

func declaresPort(spec corev1.PodSpec, port intstr.IntOrString) bool {
	for _, c := range spec.Containers {
		for _, p := range c.Ports {
			if (port.Type == intstr.String && p.Name == port.StrVal) || (port.Type == intstr.Int && p.ContainerPort == port.IntVal) {
				return true
			}
		}
	}
	return false
}

// checkContainers: every probe's port is declared, every container has requests and a memory limit.
func checkContainers(what string, spec corev1.PodSpec) []string {
	var problems []string
	for _, c := range spec.Containers {
		for name, probe := range map[string]*corev1.Probe{"liveness": c.LivenessProbe, "readiness": c.ReadinessProbe, "startup": c.StartupProbe} {
			if probe == nil || probe.HTTPGet == nil {
				continue
			}
			if !declaresPort(spec, probe.HTTPGet.Port) {
				problems = append(problems, fmt.Sprintf("%s: %s probe port %s is not declared", what, name, probe.HTTPGet.Port.String()))
			}
		}
		if c.Resources.Requests.Cpu().IsZero() || c.Resources.Requests.Memory().IsZero() {
			problems = append(problems, fmt.Sprintf("%s: container %s has no CPU or memory request", what, c.Name))
		}
		if c.Resources.Limits.Memory().IsZero() {
			problems = append(problems, fmt.Sprintf("%s: container %s has no memory limit", what, c.Name))
		}
	}
	if len(spec.Containers) > 0 && strings.HasPrefix(what, "Deployment") {
		c := spec.Containers[0]
		if c.LivenessProbe == nil || c.ReadinessProbe == nil || c.LivenessProbe.HTTPGet == nil || c.ReadinessProbe.HTTPGet == nil ||
			c.LivenessProbe.HTTPGet.Path != "/live" || c.ReadinessProbe.HTTPGet.Path != "/ready" {
			problems = append(problems, fmt.Sprintf("%s: liveness must be /live and readiness /ready", what))
		}
	}
	return problems
}
