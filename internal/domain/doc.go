// Package domain holds the nouns of the city's innovation plans — organisations,
// committees (joint meetings), users and their roles, audit records — with their
// validation rules and the error kinds every other layer speaks. It imports
// nothing else of Lianxi, so storage, workflows and HTTP can all depend on it.
package domain
