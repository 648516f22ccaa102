package temporal

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/types/known/durationpb"
)

// Names of the custom search attributes Lianxi sets on its workflows, so that
// meetings can be listed by committee, period, kind, department, phase and
// deadline straight from Temporal's visibility store.
const (
	SACommittee   = "LianxiCommittee"
	SAPeriod      = "LianxiPeriod"
	SAKind        = "LianxiKind"
	SADepartments = "LianxiDepartments"
	SAPhase       = "LianxiPhase"
	SADueAt       = "LianxiDueAt"
)

// NamespaceRetention is how long Temporal keeps closed workflow histories in
// the namespaces this package registers. Thirty days covers a month's cycle of
// joint meetings plus follow-up; the app's own PostgreSQL records are the
// long-term archive.
const NamespaceRetention = 30 * 24 * time.Hour

// SearchAttributes the app registers in its namespace (custom, all Keyword unless noted):
// LianxiCommittee (Keyword), LianxiPeriod (Keyword), LianxiKind (Keyword), LianxiDepartments (KeywordList), LianxiPhase (Keyword), LianxiDueAt (Datetime).
//
// A fresh map is returned on each call so callers may modify it.
func SearchAttributes() map[string]enumspb.IndexedValueType {
	return map[string]enumspb.IndexedValueType{
		SACommittee:   enumspb.INDEXED_VALUE_TYPE_KEYWORD,
		SAPeriod:      enumspb.INDEXED_VALUE_TYPE_KEYWORD,
		SAKind:        enumspb.INDEXED_VALUE_TYPE_KEYWORD,
		SADepartments: enumspb.INDEXED_VALUE_TYPE_KEYWORD_LIST,
		SAPhase:       enumspb.INDEXED_VALUE_TYPE_KEYWORD,
		SADueAt:       enumspb.INDEXED_VALUE_TYPE_DATETIME,
	}
}

// EnsureNamespace registers the namespace (retention 30 days) and the search
// attributes on an external cluster when they are missing (for `lianxi worker`
// and `lianxi serve` against a real Temporal cluster). Idempotent: an existing
// namespace is left as it is (its retention may have been tuned by operators)
// and only missing search attributes are added. An attribute that exists with
// another type is an error, since the app's queries would silently misbehave.
//
// Registering namespaces and search attributes needs an operator-level
// identity on clusters with authorization.
func EnsureNamespace(ctx context.Context, c client.Client, namespace string) error {
	if namespace == "" {
		return errors.New("ensure namespace: empty namespace name")
	}
	if err := ensureNamespaceRegistered(ctx, c, namespace); err != nil {
		return err
	}
	return ensureSearchAttributes(ctx, c, namespace)
}

func ensureNamespaceRegistered(ctx context.Context, c client.Client, namespace string) error {
	ws := c.WorkflowService()
	_, err := ws.DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: namespace})
	if err == nil {
		return nil
	}
	var notFound *serviceerror.NamespaceNotFound
	if !errors.As(err, &notFound) {
		return fmt.Errorf("describe namespace %q: %w", namespace, err)
	}
	_, err = ws.RegisterNamespace(ctx, &workflowservice.RegisterNamespaceRequest{
		Namespace:                        namespace,
		Description:                      "Lianxi joint-meeting workflows",
		WorkflowExecutionRetentionPeriod: durationpb.New(NamespaceRetention),
	})
	var exists *serviceerror.NamespaceAlreadyExists
	if err != nil && !errors.As(err, &exists) { // another worker may have won the race
		return fmt.Errorf("register namespace %q: %w", namespace, err)
	}
	return nil
}

func ensureSearchAttributes(ctx context.Context, c client.Client, namespace string) error {
	want := SearchAttributes()
	// A namespace just registered may not be visible to every frontend at
	// once, and concurrent adds on SQL visibility race on field allocation:
	// both show up as retryable errors, so retry for a short while.
	backoff := 100 * time.Millisecond
	for attempt := 1; ; attempt++ {
		err := addMissingSearchAttributes(ctx, c, namespace, want)
		if err == nil || !retryable(err) || attempt == 20 {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (last error: %v)", ctx.Err(), err)
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 2*time.Second)
	}
}

func retryable(err error) bool {
	var (
		unavailable *serviceerror.Unavailable
		notFound    *serviceerror.NamespaceNotFound
		internal    *serviceerror.Internal
	)
	return errors.As(err, &unavailable) || errors.As(err, &notFound) || errors.As(err, &internal)
}

func addMissingSearchAttributes(ctx context.Context, c client.Client, namespace string, want map[string]enumspb.IndexedValueType) error {
	ops := c.OperatorService()
	have, err := ops.ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: namespace})
	if err != nil {
		return fmt.Errorf("list search attributes of %q: %w", namespace, err)
	}
	missing := map[string]enumspb.IndexedValueType{}
	var mismatched []string
	for name, typ := range want {
		got, ok := have.GetCustomAttributes()[name]
		switch {
		case !ok:
			missing[name] = typ
		case got != typ:
			mismatched = append(mismatched, fmt.Sprintf("%s is %v, want %v", name, got, typ))
		}
	}
	if len(mismatched) > 0 {
		sort.Strings(mismatched)
		return fmt.Errorf("namespace %q has search attributes of the wrong type: %v", namespace, mismatched)
	}
	if len(missing) == 0 {
		return nil
	}
	_, err = ops.AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{
		Namespace:        namespace,
		SearchAttributes: missing,
	})
	var exists *serviceerror.AlreadyExists
	if err != nil && !errors.As(err, &exists) {
		return fmt.Errorf("add search attributes to %q: %w", namespace, err)
	}
	return nil
}
